"""The one line each notebook ends with, so a test (or a script) reads its key figures."""

import json


def report(**figures):
    line = "HELK-RESULT " + json.dumps(figures, sort_keys=True, default=str)
    print(line)
    return figures

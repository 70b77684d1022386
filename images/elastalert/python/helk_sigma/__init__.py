"""HELK's Sigma converter: Sigma rules -> ElastAlert 2 rules over HELK's indices (see convert.py)."""

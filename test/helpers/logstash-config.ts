/**
 * A parser for Logstash's pipeline configuration language, after the grammar Logstash itself
 * uses (logstash-core's grammar.treetop): sections of plugins, attributes whose values are
 * strings, numbers, barewords, arrays, hashes or plugins, and if / else if / else branches
 * over selectors, comparisons, regexp matches, `in` and boolean operators. Logstash cannot run
 * here, so HELK's pipeline files are checked against this grammar instead; a syntax error
 * throws with its line.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type Value = string | number | Value[] | { [key: string]: Value } | Plugin;

export interface Plugin {
  kind: "plugin";
  name: string;
  attributes: [string, Value][];
  line: number;
}

export interface Branch {
  kind: "branch";
  /** Each condition's source text, in order: if, else if..., and "else" for the else. */
  conditions: string[];
  bodies: Statement[][];
}

export type Statement = Plugin | Branch;

export interface Section {
  type: "input" | "filter" | "output";
  body: Statement[];
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  private line(at = this.pos): number {
    return this.text.slice(0, at).split("\n").length;
  }

  private fail(what: string): never {
    const near = this.text.slice(this.pos, this.pos + 30).split("\n")[0];
    throw new Error(`line ${this.line()}: expected ${what}, found ${near ? `"${near}"` : "end of file"}`);
  }

  /** Whitespace and # comments. */
  private skip(): void {
    for (;;) {
      const m = /^(?:\s+|#[^\n]*)/.exec(this.text.slice(this.pos));
      if (!m || m[0].length === 0) return;
      this.pos += m[0].length;
    }
  }

  private peek(re: RegExp): RegExpExecArray | null {
    this.skip();
    return re.exec(this.text.slice(this.pos));
  }

  private eat(re: RegExp, what: string): string {
    const m = this.peek(re);
    if (!m) this.fail(what);
    this.pos += m[0].length;
    return m[0];
  }

  private tryEat(re: RegExp): string | undefined {
    const m = this.peek(re);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  config(): Section[] {
    const sections: Section[] = [];
    for (;;) {
      this.skip();
      if (this.pos >= this.text.length) return sections;
      const type = this.eat(/^(input|filter|output)\b/, "input, filter or output") as Section["type"];
      this.eat(/^\{/, "{");
      sections.push({ type, body: this.statements() });
      this.eat(/^\}/, "}");
    }
  }

  private statements(): Statement[] {
    const out: Statement[] = [];
    while (!this.peek(/^\}/)) {
      if (this.peek(/^if\b/)) out.push(this.branch());
      else out.push(this.plugin());
    }
    return out;
  }

  private plugin(): Plugin {
    this.skip();
    const line = this.line();
    const name = this.eat(/^[A-Za-z_][A-Za-z0-9_-]*/, "a plugin name");
    this.eat(/^\{/, `{ after ${name}`);
    const attributes: [string, Value][] = [];
    while (!this.peek(/^\}/)) {
      const key = this.tryEat(/^[A-Za-z0-9_@-]+/) ?? this.string();
      this.eat(/^=>/, `=> after ${key}`);
      attributes.push([key, this.value()]);
    }
    this.eat(/^\}/, "}");
    return { kind: "plugin", name, attributes, line };
  }

  private string(): string {
    const m = this.peek(/^"((?:[^"\\]|\\.)*)"|^'((?:[^'\\]|\\.)*)'/s);
    if (!m) this.fail("a string");
    this.pos += m[0].length;
    return m[1] ?? m[2] ?? "";
  }

  private value(): Value {
    if (this.peek(/^["']/)) return this.string();
    if (this.peek(/^-?\d+(\.\d+)?\b/)) return Number(this.eat(/^-?\d+(\.\d+)?/, "a number"));
    if (this.tryEat(/^\[/)) {
      const items: Value[] = [];
      while (!this.tryEat(/^\]/)) {
        if (items.length) this.eat(/^,/, ", or ]");
        items.push(this.value());
      }
      return items;
    }
    if (this.tryEat(/^\{/)) {
      const hash: { [key: string]: Value } = {};
      while (!this.tryEat(/^\}/)) {
        const key = this.peek(/^["']/) ? this.string() : this.eat(/^[A-Za-z0-9_@.-]+/, "a hash key");
        this.eat(/^=>/, `=> after ${key}`);
        hash[key] = this.value();
      }
      return hash;
    }
    if (this.peek(/^[A-Za-z_][A-Za-z0-9_-]*\s*\{/)) return this.plugin();
    return this.eat(/^[A-Za-z_][A-Za-z0-9_]+/, "a value");
  }

  private branch(): Branch {
    const conditions: string[] = [];
    const bodies: Statement[][] = [];
    this.eat(/^if\b/, "if");
    for (;;) {
      const start = this.pos;
      this.condition();
      conditions.push(this.text.slice(start, this.pos).trim());
      this.eat(/^\{/, "{ after the condition");
      bodies.push(this.statements());
      this.eat(/^\}/, "}");
      if (this.tryEat(/^else\s+if\b/)) continue;
      if (this.tryEat(/^else\b/)) {
        this.eat(/^\{/, "{ after else");
        conditions.push("else");
        bodies.push(this.statements());
        this.eat(/^\}/, "}");
      }
      return { kind: "branch", conditions, bodies };
    }
  }

  private condition(): void {
    this.expression();
    while (this.tryEat(/^(and|or|xor|nand)\b/)) this.expression();
  }

  private expression(): void {
    if (this.tryEat(/^\(/)) {
      this.condition();
      this.eat(/^\)/, ")");
      return;
    }
    if (this.tryEat(/^!/)) {
      if (this.tryEat(/^\(/)) {
        this.condition();
        this.eat(/^\)/, ")");
      } else this.selector();
      return;
    }
    this.rvalue();
    if (this.tryEat(/^(==|!=|<=|>=|<|>)/)) this.rvalue();
    else if (this.tryEat(/^(=~|!~)/)) {
      if (!this.tryEat(/^\/(?:[^/\\\n]|\\.)*\//)) this.string();
    } else if (this.tryEat(/^(not\s+in|in)\b/)) this.rvalue();
  }

  private selector(): void {
    this.eat(/^(\[[^\],\n]+\])+/, "a field reference like [a][b]");
  }

  private rvalue(): void {
    if (this.peek(/^["']/)) this.string();
    else if (this.peek(/^-?\d/)) this.eat(/^-?\d+(\.\d+)?/, "a number");
    else if (this.peek(/^\[\s*["'\d]/)) this.value();
    else if (this.peek(/^\[/)) this.selector();
    else if (this.peek(/^\//)) this.eat(/^\/(?:[^/\\\n]|\\.)*\//, "a regexp");
    else this.fail("a field reference, string, number or list");
  }
}

export function parseLogstashConfig(text: string): Section[] {
  return new Parser(text).config();
}

/** Every plugin in a tree of statements, depth first (plugins inside branches included). */
export function plugins(statements: Statement[]): Plugin[] {
  return statements.flatMap((s) => (s.kind === "plugin" ? [s] : s.bodies.flatMap(plugins)));
}

const isPlugin = (v: Value): v is Plugin => typeof v === "object" && !Array.isArray(v) && (v as Partial<Plugin>).kind === "plugin";

/** Every string anywhere in an attribute value. */
export function strings(value: Value): string[] {
  if (typeof value === "string") return [value];
  if (typeof value === "number") return [];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isPlugin(value)) return value.attributes.flatMap(([, v]) => strings(v));
  return Object.values(value).flatMap(strings);
}

/** HELK's own pipeline (images/logstash/pipeline/*.conf, in Logstash's file order), parsed. */
export function helkPipeline(): Section[] {
  const dir = new URL("../../images/logstash/pipeline/", import.meta.url).pathname;
  return readdirSync(dir)
    .filter((f) => f.endsWith(".conf"))
    .sort()
    .flatMap((f) => parseLogstashConfig(readFileSync(join(dir, f), "utf8")));
}

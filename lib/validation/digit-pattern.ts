/**
 * A numbering plan's verdict on a national number, "its number pattern matches, and so does one of
 * its number types' patterns with one of that type's lengths", in one pass over the digits: a DFA
 * built lazily from all the patterns at once, one table lookup per digit, where the regular
 * expressions take two or three passes (and calls) per number.
 *
 * The plans' number patterns are regular expressions over the ten digits only: digits, `\d`,
 * classes of digits and ranges, groups, alternation and the quantifiers `?`, `*`, `+` and `{n,m}`.
 * For such a pattern, "`^(?:p)$` matches" is exactly "the string is in the pattern's language", which
 * is what a DFA decides; a DFA state also counts the digits read (at most 17 reach it), so the
 * types' lengths are part of the verdict. Patterns with anything else in them, or a DFA that grows
 * past `MAX_STATES`, are matched by the RegExps themselves, so a new metadata version can never
 * change a verdict. Property tests hold the two ways to the same answers on every plan of the
 * metadata and on random patterns.
 */

/** A set of digits as a 10-bit mask (bit d = digit d). */
type DigitSet = number;
const ANY_DIGIT: DigitSet = 0x3ff;

type Node =
  | { kind: 'digits'; set: DigitSet }
  | { kind: 'sequence'; items: Node[] }
  | { kind: 'choice'; options: Node[] }
  | { kind: 'repeat'; item: Node; min: number; max: number }; // max Infinity: unbounded

class Unsupported extends Error {}

/** Parses the supported subset; throws `Unsupported` on anything else. */
class Parser {
  private at = 0;

  constructor(private readonly source: string) {}

  parse(): Node {
    const node = this.choice();
    if (this.at !== this.source.length) throw new Unsupported();
    return node;
  }

  private choice(): Node {
    const options = [this.sequence()];
    while (this.peek() === '|') {
      this.at++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0] : { kind: 'choice', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) items.push(this.quantified(this.atom()));
    return { kind: 'sequence', items };
  }

  private atom(): Node {
    const c = this.source[this.at++];
    if (c >= '0' && c <= '9') return { kind: 'digits', set: 1 << (c.charCodeAt(0) - 48) };
    if (c === '\\' && this.source[this.at] === 'd') {
      this.at++;
      return { kind: 'digits', set: ANY_DIGIT };
    }
    if (c === '[') return this.digitClass();
    if (c === '(') {
      if (this.source.startsWith('?:', this.at)) this.at += 2;
      else if (this.source[this.at] === '?') throw new Unsupported(); // lookaround, named group
      const inner = this.choice();
      if (this.source[this.at++] !== ')') throw new Unsupported();
      return inner;
    }
    throw new Unsupported();
  }

  private digitClass(): Node {
    let set = 0;
    if (this.source[this.at] === '^') throw new Unsupported();
    while (this.source[this.at] !== ']') {
      const from = this.classDigit();
      if (from === ANY_DIGIT) {
        set |= ANY_DIGIT;
        continue;
      }
      if (this.source[this.at] === '-' && this.source[this.at + 1] !== ']') {
        this.at++;
        const to = this.classDigit();
        if (to === ANY_DIGIT || to < from) throw new Unsupported();
        for (let d = from; d <= to; d++) set |= 1 << d;
      } else {
        set |= 1 << from;
      }
    }
    this.at++;
    return { kind: 'digits', set };
  }

  /** A digit's value, or ANY_DIGIT for `\d`. */
  private classDigit(): number {
    const c = this.source[this.at++];
    if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48;
    if (c === '\\' && this.source[this.at] === 'd') {
      this.at++;
      return ANY_DIGIT;
    }
    throw new Unsupported();
  }

  private quantified(item: Node): Node {
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '?') [min, max] = [0, 1];
      else if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.at));
        if (!m) throw new Unsupported();
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min || min > 100 || (max !== Infinity && max > 100)) throw new Unsupported();
        this.at += m[0].length - 1;
      } else return item;
      this.at++;
      if (this.peek() === '?') this.at++; // lazy: the same language
      item = { kind: 'repeat', item, min, max };
    }
  }

  private peek(): string | undefined {
    return this.source[this.at];
  }
}

/** A Thompson NFA: each state has digit edges (set → target) and empty edges. */
class Nfa {
  readonly digitEdges: { set: DigitSet; to: number }[][] = [];
  readonly emptyEdges: number[][] = [];

  state(): number {
    this.digitEdges.push([]);
    this.emptyEdges.push([]);
    return this.digitEdges.length - 1;
  }

  /** Adds `node` between a new start and a new end; returns [start, end]. */
  build(node: Node): [number, number] {
    const start = this.state();
    const end = this.state();
    this.between(node, start, end);
    return [start, end];
  }

  private between(node: Node, from: number, to: number): void {
    switch (node.kind) {
      case 'digits':
        if (node.set !== 0) this.digitEdges[from].push({ set: node.set, to });
        return;
      case 'sequence': {
        let at = from;
        node.items.forEach((item, i) => {
          const next = i === node.items.length - 1 ? to : this.state();
          this.between(item, at, next);
          at = next;
        });
        if (node.items.length === 0) this.emptyEdges[from].push(to);
        return;
      }
      case 'choice':
        for (const option of node.options) this.between(option, from, to);
        return;
      case 'repeat': {
        let at = from;
        for (let i = 0; i < node.min; i++) {
          const next = this.state();
          this.between(node.item, at, next);
          at = next;
        }
        if (node.max === Infinity) {
          const loop = this.state();
          this.emptyEdges[at].push(loop);
          const back = this.state();
          this.between(node.item, loop, back);
          this.emptyEdges[back].push(loop);
          this.emptyEdges[loop].push(to);
          return;
        }
        this.emptyEdges[at].push(to);
        for (let i = node.min; i < node.max; i++) {
          const next = this.state();
          this.between(node.item, at, next);
          this.emptyEdges[next].push(to);
          at = next;
        }
      }
    }
  }
}

/**
 * The RegExps give a plan's first verdicts; its DFA is built at this use. Building one costs more
 * than the RegExps' first verdicts (a calling code shared by 25 countries: about 10 ms), which a
 * first small send to that code would otherwise pay at once; a plan in steady use pays it once.
 */
const DFA_AFTER = 64;

/** A DFA over digits has at most this many states; past it the patterns keep their RegExps. */
const MAX_STATES = 8_192;
const UNKNOWN = -1;
const DEAD = 0;

/** One pattern a number must match (`all`) or may match (`any`, with the lengths it allows). */
export interface PatternPart {
  source: string;
  /** The lengths the pattern applies to; absent, any. */
  lengths?: readonly number[];
}

/** The NFA of every pattern, side by side, and what acceptance means for a set of its states. */
interface Automaton {
  nfa: Nfa;
  starts: number[];
  allEnd: number;
  /** Absent: `all` alone decides. Empty: nothing can match. */
  anyEnds?: { end: number; lengths?: readonly number[] }[];
}

/** The DFA: its states (sets of NFA states and a digit count) found as numbers are matched. */
class LazyDfa {
  /** next[state * 10 + digit]: the state after the digit, or UNKNOWN until first needed. */
  private next = new Int32Array(64 * 10).fill(UNKNOWN);
  /**
   * pairs[state * 100 + two digits' value]: the state after both, or UNKNOWN until first needed.
   * A walk is a chain of table loads, each waiting for the one before; two digits a load halves it.
   */
  private pairs = new Int32Array(64 * 100).fill(UNKNOWN);
  /** The digits' value (exact up to 15 digits) of the last walk that matched. */
  value = 0;
  private accepting = new Uint8Array(64);
  private readonly sets: { states: number[]; count: number }[] = [];
  private readonly ids = new Map<string, number>();
  private readonly start: number;

  constructor(private readonly a: Automaton) {
    this.stateOf([], 0); // DEAD
    this.start = this.stateOf(this.closure(a.starts), 0);
  }

  /** The verdict on `s` from `at` to its end; undefined when the DFA grew too big. */
  matches(s: string, at: number): boolean | undefined {
    let state = this.start;
    let pairs = this.pairs;
    const end = s.length;
    let i = at;
    // The value costs next to nothing here (the loads are the walk's critical path), and spares the
    // repeat check a pass over the digits (see `e164DigitsOf`).
    let value = 0;
    for (; i + 1 < end; i += 2) {
      const first = s.charCodeAt(i) - 48;
      const second = s.charCodeAt(i + 1) - 48;
      if (first < 0 || first > 9 || second < 0 || second > 9) return false; // the patterns match digits only
      const pair = first * 10 + second;
      value = value * 100 + pair;
      let to = pairs[state * 100 + pair];
      if (to === UNKNOWN) {
        to = this.pairStep(state, first, second);
        if (to === UNKNOWN) return undefined;
        pairs = this.pairs; // the table may have grown
      }
      if (to === DEAD) return false;
      state = to;
    }
    if (i < end) {
      const digit = s.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return false;
      const to = this.stepFrom(state, digit);
      if (to === UNKNOWN) return undefined;
      state = to;
      value = value * 10 + digit;
    }
    this.value = value;
    return this.accepting[state] === 1;
  }

  /** The state after `first` then `second`, by single steps, kept in `pairs`; UNKNOWN if too big. */
  private pairStep(state: number, first: number, second: number): number {
    const middle = this.stepFrom(state, first);
    if (middle === UNKNOWN) return UNKNOWN;
    const to = middle === DEAD ? DEAD : this.stepFrom(middle, second);
    if (to === UNKNOWN) return UNKNOWN;
    this.pairs[state * 100 + first * 10 + second] = to;
    return to;
  }

  /** The state after one digit, from the table or worked out (`step`); UNKNOWN if too big. */
  private stepFrom(state: number, digit: number): number {
    const to = this.next[state * 10 + digit];
    return to === UNKNOWN ? this.step(state, digit) : to;
  }

  private step(state: number, digit: number): number {
    const { states, count } = this.sets[state];
    const targets: number[] = [];
    for (const from of states) for (const edge of this.a.nfa.digitEdges[from]) if (edge.set & (1 << digit)) targets.push(edge.to);
    const set = this.closure(targets);
    const to = set.length === 0 ? DEAD : this.stateOf(set, count + 1);
    if (to === UNKNOWN) return UNKNOWN;
    this.next[state * 10 + digit] = to;
    return to;
  }

  private closure(states: number[]): number[] {
    const { nfa } = this.a;
    const seen = new Set<number>();
    const stack = [...states];
    while (stack.length > 0) {
      const s = stack.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      for (const t of nfa.emptyEdges[s]) stack.push(t);
    }
    // Only states with digit edges, and the ends, tell sets apart.
    return [...seen].filter((s) => nfa.digitEdges[s].length > 0 || nfa.emptyEdges[s].length === 0).sort((x, y) => x - y);
  }

  private stateOf(states: number[], count: number): number {
    const key = `${count}:${states.join(',')}`;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const id = this.sets.length;
    if (id >= MAX_STATES) return UNKNOWN;
    if (id >= this.accepting.length) {
      const grown = new Int32Array(this.next.length * 2).fill(UNKNOWN);
      grown.set(this.next);
      this.next = grown;
      const pairs = new Int32Array(this.pairs.length * 2).fill(UNKNOWN);
      pairs.set(this.pairs);
      this.pairs = pairs;
      const accepting = new Uint8Array(this.accepting.length * 2);
      accepting.set(this.accepting);
      this.accepting = accepting;
    }
    this.sets.push({ states, count });
    this.ids.set(key, id);
    this.accepting[id] = this.accepts(states, count) ? 1 : 0;
    return id;
  }

  private accepts(states: number[], count: number): boolean {
    const { allEnd, anyEnds } = this.a;
    if (!states.includes(allEnd)) return false;
    if (anyEnds === undefined) return true;
    return anyEnds.some(({ end, lengths }) => states.includes(end) && (!lengths || lengths.includes(count)));
  }
}

/** Whether `re` (sticky) matches `s` at `at`. */
export function matchesAt(re: RegExp, s: string, at: number): boolean {
  re.lastIndex = at;
  return re.test(s);
}

/** `^(?:source)$` tested on `s.slice(at)`, without the slice. */
class StickyPattern {
  private readonly regExp: RegExp;

  constructor(
    readonly source: string,
    readonly lengths?: readonly number[],
  ) {
    // Sticky: `lastIndex` sets where it must match, and `$` where it must end.
    this.regExp = new RegExp(`(?:${source})$`, 'y');
  }

  matches(s: string, at: number): boolean {
    if (this.lengths && !this.lengths.includes(s.length - at)) return false;
    return matchesAt(this.regExp, s, at);
  }
}

/**
 * Whether all of a string from an offset on matches `all` and, when `any` is given, also one of
 * `any` at one of its lengths: by one DFA for the supported patterns, else by the RegExps.
 */
export class DigitPatterns {
  /** Undefined until built; null when the patterns have none (unsupported, or it grew too big). */
  private dfa: LazyDfa | null | undefined;
  /** Verdicts given by the RegExps before the DFA is built (see `DFA_AFTER`). */
  private uses = 0;
  private readonly all: StickyPattern;
  private readonly any: StickyPattern[] | undefined;

  constructor(
    private readonly allSource: string,
    private readonly anyParts?: readonly PatternPart[],
  ) {
    this.all = new StickyPattern(allSource);
    this.any = anyParts?.map((p) => new StickyPattern(p.source, p.lengths));
  }

  /** The sources, `all` first (for the tests). */
  get sources(): string[] {
    return [this.all.source, ...(this.any ?? []).map((p) => p.source)];
  }

  /** @internal Whether the DFA gives the verdicts (else the RegExps do); builds it if not yet built. */
  get byDfa(): boolean {
    return this.built() !== null;
  }

  /**
   * After `matches` answered true: the value of `s` from `at` on (exact up to 15 digits) when the
   * DFA gave the verdict, else 0.
   */
  value = 0;

  matches(s: string, at: number): boolean {
    const dfa = this.dfa === undefined ? (++this.uses < DFA_AFTER ? undefined : this.built()) : this.dfa;
    if (dfa) {
      const verdict = dfa.matches(s, at);
      if (verdict !== undefined) {
        this.value = dfa.value;
        return verdict;
      }
      this.dfa = null; // grew too big: the RegExps from now on
    }
    this.value = 0;
    return this.byRegExps(s, at);
  }

  private built(): LazyDfa | null {
    if (this.dfa === undefined) this.dfa = automatonOf(this.allSource, this.anyParts) ?? null;
    return this.dfa;
  }

  /** @internal The same verdict by the RegExps alone (the definition; also the fallback). */
  byRegExps(s: string, at: number): boolean {
    if (!this.all.matches(s, at)) return false;
    if (this.any === undefined) return true;
    for (const p of this.any) if (p.matches(s, at)) return true;
    return false;
  }
}

function automatonOf(all: string, any: readonly PatternPart[] | undefined): LazyDfa | undefined {
  const nodes: Node[] = [];
  try {
    for (const source of [all, ...(any ?? []).map((p) => p.source)]) nodes.push(new Parser(source).parse());
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
  const nfa = new Nfa();
  const built = nodes.map((node) => nfa.build(node));
  return new LazyDfa({
    nfa,
    starts: built.map(([start]) => start),
    allEnd: built[0][1],
    anyEnds: any && built.slice(1).map(([, end], i) => ({ end, lengths: any[i].lengths })),
  });
}

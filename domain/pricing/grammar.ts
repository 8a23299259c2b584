/**
 * The condition grammar of demand and inventory rules, tokenised and parsed by hand (recursive
 * descent) into a typed AST; nothing is ever evaluated as code.
 *
 *   condition  := or
 *   or         := and ('or' and)*
 *   and        := primary ('and' primary)*
 *   primary    := '(' or ')' | comparison
 *   comparison := metric comparator quantity
 *   metric     := 'sales_velocity' | 'sold' | 'remaining' | 'inventory'   (inventory = remaining)
 *   comparator := '<' | '<=' | '>' | '>=' | '=' | '==' | '!='
 *   quantity   := number '%'                  share of the ticket type's inventory (sold, remaining)
 *               | number                      tickets (sold, remaining)
 *               | number '/' unit             a rate, unit = minute | hour | day (sales_velocity)
 *
 * Keywords and units are case-insensitive. Errors carry the 0-based offset of the offending token.
 */

export const COMPARATORS = ['<', '<=', '>', '>=', '=', '!='] as const;
export type Comparator = (typeof COMPARATORS)[number];

export const RATE_UNITS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type RateUnit = keyof typeof RATE_UNITS;

export type Condition =
  /** Tickets sold per `unitMs`, over the rule's window, compared with `perUnit`. */
  | { kind: 'velocity'; op: Comparator; perUnit: number; unit: RateUnit; unitMs: number }
  /** Tickets sold or remaining, as a count or (percent) a share of the inventory. */
  | { kind: 'stock'; metric: 'sold' | 'remaining'; op: Comparator; value: number; percent: boolean }
  | { kind: 'and' | 'or'; conditions: readonly Condition[] };

export interface GrammarError {
  message: string;
  /** 0-based offset of the offending token in the condition text. */
  position: number;
}

export type ParseConditionResult = { ok: true; condition: Condition } | { ok: false; error: GrammarError };

type TokenKind = 'ident' | 'number' | 'op' | '%' | '/' | '(' | ')' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  position: number;
}

class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const MAX_LENGTH = 500;
const MAX_DEPTH = 20;

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function tokenise(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (isDigit(c)) {
      const start = i;
      while (i < text.length && isDigit(text[i])) i++;
      if (text[i] === '.') {
        if (!isDigit(text[i + 1] ?? '')) throw new ConditionSyntaxError('a decimal point needs digits after it', i);
        i++;
        while (i < text.length && isDigit(text[i])) i++;
      }
      tokens.push({ kind: 'number', text: text.slice(start, i), position: start });
    } else if (isIdentStart(c)) {
      const start = i;
      while (i < text.length && (isIdentStart(text[i]) || isDigit(text[i]))) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i).toLowerCase(), position: start });
    } else if (c === '<' || c === '>' || c === '=' || c === '!') {
      const two = text.slice(i, i + 2);
      if (two === '<=' || two === '>=' || two === '==' || two === '!=') {
        tokens.push({ kind: 'op', text: two === '==' ? '=' : two, position: i });
        i += 2;
      } else if (c === '!') {
        throw new ConditionSyntaxError("unexpected '!' (did you mean '!='?)", i);
      } else {
        tokens.push({ kind: 'op', text: c, position: i });
        i++;
      }
    } else if (c === '%' || c === '/' || c === '(' || c === ')') {
      tokens.push({ kind: c, text: c, position: i });
      i++;
    } else {
      throw new ConditionSyntaxError(`unexpected character '${c}'`, i);
    }
  }
  tokens.push({ kind: 'end', text: '', position: text.length });
  return tokens;
}

const METRICS: Record<string, 'sales_velocity' | 'sold' | 'remaining'> = {
  sales_velocity: 'sales_velocity',
  sold: 'sold',
  remaining: 'remaining',
  inventory: 'remaining',
};

const UNIT_ALIASES: Record<string, RateUnit> = {
  minute: 'minute',
  min: 'minute',
  m: 'minute',
  hour: 'hour',
  hr: 'hour',
  h: 'hour',
  day: 'day',
  d: 'day',
};

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end of the condition' : `'${token.text}'`;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): Condition {
    const condition = this.or();
    const next = this.peek();
    if (next.kind !== 'end')
      throw new ConditionSyntaxError(`expected 'and', 'or' or the end, got ${describe(next)}`, next.position);
    return condition;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private take(): Token {
    return this.tokens[this.index++];
  }

  private isKeyword(word: 'and' | 'or'): boolean {
    const t = this.peek();
    return t.kind === 'ident' && t.text === word;
  }

  private or(): Condition {
    const first = this.and();
    if (!this.isKeyword('or')) return first;
    const conditions = [first];
    while (this.isKeyword('or')) {
      this.take();
      conditions.push(this.and());
    }
    return { kind: 'or', conditions };
  }

  private and(): Condition {
    const first = this.primary();
    if (!this.isKeyword('and')) return first;
    const conditions = [first];
    while (this.isKeyword('and')) {
      this.take();
      conditions.push(this.primary());
    }
    return { kind: 'and', conditions };
  }

  private primary(): Condition {
    const t = this.peek();
    if (t.kind !== '(') return this.comparison();
    if (++this.depth > MAX_DEPTH) throw new ConditionSyntaxError('too deeply nested', t.position);
    this.take();
    const inner = this.or();
    const close = this.take();
    if (close.kind !== ')') throw new ConditionSyntaxError(`expected ')', got ${describe(close)}`, close.position);
    this.depth--;
    return inner;
  }

  private comparison(): Condition {
    const metricToken = this.take();
    const metric = metricToken.kind === 'ident' ? METRICS[metricToken.text] : undefined;
    if (!metric) {
      throw new ConditionSyntaxError(
        `expected a metric (sales_velocity, sold, remaining, inventory), got ${describe(metricToken)}`,
        metricToken.position,
      );
    }
    const opToken = this.take();
    if (opToken.kind !== 'op') {
      throw new ConditionSyntaxError(
        `expected a comparator (<, <=, >, >=, =, !=), got ${describe(opToken)}`,
        opToken.position,
      );
    }
    const op = opToken.text as Comparator;
    const numberToken = this.take();
    if (numberToken.kind !== 'number') {
      throw new ConditionSyntaxError(`expected a number, got ${describe(numberToken)}`, numberToken.position);
    }
    const value = Number(numberToken.text);
    if (!Number.isFinite(value)) throw new ConditionSyntaxError('number out of range', numberToken.position);
    const suffix = this.peek();
    if (metric === 'sales_velocity') {
      if (suffix.kind !== '/') {
        throw new ConditionSyntaxError(
          `sales_velocity needs a rate such as ${numberToken.text}/hour, got ${describe(suffix)}`,
          suffix.position,
        );
      }
      this.take();
      const unitToken = this.take();
      const unit = unitToken.kind === 'ident' ? UNIT_ALIASES[unitToken.text] : undefined;
      if (!unit)
        throw new ConditionSyntaxError(`expected minute, hour or day, got ${describe(unitToken)}`, unitToken.position);
      return { kind: 'velocity', op, perUnit: value, unit, unitMs: RATE_UNITS[unit] };
    }
    if (suffix.kind === '/') {
      throw new ConditionSyntaxError(`${metricToken.text} is a count or a share, not a rate`, suffix.position);
    }
    if (suffix.kind === '%') {
      this.take();
      if (value > 100) throw new ConditionSyntaxError('a share cannot exceed 100%', numberToken.position);
      return { kind: 'stock', metric, op, value, percent: true };
    }
    if (!Number.isInteger(value)) {
      throw new ConditionSyntaxError('a ticket count must be a whole number', numberToken.position);
    }
    return { kind: 'stock', metric, op, value, percent: false };
  }
}

/** Parses one condition; never throws. */
export function parseCondition(text: string): ParseConditionResult {
  if (text.length > MAX_LENGTH) {
    return { ok: false, error: { message: `a condition is at most ${MAX_LENGTH} characters`, position: MAX_LENGTH } };
  }
  try {
    const tokens = tokenise(text);
    if (tokens[0].kind === 'end') return { ok: false, error: { message: 'the condition is empty', position: 0 } };
    return { ok: true, condition: new Parser(tokens).parse() };
  } catch (err) {
    if (err instanceof ConditionSyntaxError)
      return { ok: false, error: { message: err.message, position: err.position } };
    throw err;
  }
}

/** The longest velocity unit a condition uses (the default window), or null when it uses none. */
export function longestRateUnitMs(condition: Condition): number | null {
  switch (condition.kind) {
    case 'velocity':
      return condition.unitMs;
    case 'stock':
      return null;
    default: {
      let longest: number | null = null;
      for (const c of condition.conditions) {
        const ms = longestRateUnitMs(c);
        if (ms !== null && (longest === null || ms > longest)) longest = ms;
      }
      return longest;
    }
  }
}

/**
 * This node's own access policy for data keys and decryption (docs/policy.md). Every node checks
 * its own policy and a client gets a data key or a plaintext only when `threshold` nodes agree,
 * so one node with a wrong policy cannot release anything alone.
 *
 * A rule names principals, actions, keys and object patterns; it applies to a request when each
 * of the four lists matches. A request is allowed when some grant applies and no deny does.
 * Nothing is allowed by default.
 */
import { TkmsError, validateObjectPath, validateObjectPattern, WHOLE_KEY_PATTERN } from '@tkms/core';
import { z } from 'zod';
import type { Principal } from '../auth/api-keys.ts';

/**
 * `derive`: a data key for an object path the node sees (policy-bound OPRF).
 * `derive-oblivious`: the client blinds the input, so the node never learns the object; it can
 * only be granted on the whole key.
 * `decrypt`: threshold decryption; the object is the ciphertext's label.
 */
export const POLICY_ACTIONS = ['derive', 'derive-oblivious', 'decrypt'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

/** Identity providers will add `user`, `group` and `org` principals; rules may name them already. */
const PRINCIPAL_PATTERN = /^(?:api-key|user|group|org):(?:\*|[^*]+)$/;
/** The key id syntax of the HTTP API (api/schemas.ts). */
const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

const objectPattern = z.string().superRefine((s, ctx) => {
  try {
    validateObjectPattern(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: e instanceof TkmsError ? (e.details ?? e.message) : String(e) });
  }
});

const RuleSchema = z.strictObject({
  /** `kind:name` or `kind:*`, kind one of api-key, user, group, org. */
  principals: z
    .array(
      z
        .string()
        .regex(PRINCIPAL_PATTERN, 'principals are "kind:name" or "kind:*" (api-key, user, group, org)'),
    )
    .min(1),
  actions: z.array(z.enum([...POLICY_ACTIONS, '*'])).min(1),
  /** Key ids, or `*` for every key. */
  keys: z.array(z.string().refine((k) => k === '*' || KEY_ID.test(k), 'keys are key ids or "*"')).min(1),
  /** Object patterns (`*` one segment, trailing `**` any number); `**` alone is the whole key. */
  objects: z.array(objectPattern).min(1),
});

const GrantSchema = RuleSchema.refine(
  (g) => !g.actions.includes('derive-oblivious') || g.objects.every((o) => o === WHOLE_KEY_PATTERN),
  {
    message: `derive-oblivious can only be granted on the whole key: objects must be ["${WHOLE_KEY_PATTERN}"]`,
    path: ['objects'],
  },
);

export const PolicySchema = z.strictObject({
  grants: z.array(GrantSchema).default([]),
  /** An explicit deny beats any grant. */
  denies: z.array(RuleSchema).default([]),
});

/** The policy as written in the config file (`denies` may be left out). */
export type PolicyInput = z.input<typeof PolicySchema>;
export type PolicyConfig = z.output<typeof PolicySchema>;

/** `reason` is one sentence for the caller and the audit log; it names this node and never a secret. */
export type PolicyDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string };

export type Policy = {
  /**
   * Whether `principal` may use `keyId` for `action` on one object path. `derive-oblivious` is
   * answered as by `authorizeWholeKey`: the node cannot see which object it evaluates.
   */
  authorize(principal: Principal, action: PolicyAction, keyId: string, object: string): PolicyDecision;
  /**
   * Whether `principal` may use `keyId` for `action` on every object at once: a grant with
   * objects `**` applies and no deny applies, whatever its patterns. Required by the oblivious
   * mode, where the node cannot see the object.
   */
  authorizeWholeKey(principal: Principal, action: PolicyAction, keyId: string): PolicyDecision;
  /** `authorize` for each object, in order; the rules are selected once for the whole batch. */
  authorizeMany(
    principal: Principal,
    action: PolicyAction,
    keyId: string,
    objects: readonly string[],
  ): PolicyDecision[];
};

/** The principal as rules name it: `api-key:alice`. */
export function principalId(principal: Principal): string {
  return `${principal.kind}:${principal.name}`;
}

/**
 * Every id a rule may name to cover this principal. Identity providers will add the principal's
 * groups and organisations here (`group:…`, `org:…`); a rule applies when it names any of them.
 */
function principalIds(principal: Principal): readonly string[] {
  return [principalId(principal)];
}

type CompiledPattern = { readonly segments: readonly string[]; readonly rest: boolean };

type CompiledRule = {
  readonly label: string;
  readonly principals: ReadonlySet<string>;
  /** Kinds named as `kind:*`. */
  readonly principalKinds: ReadonlySet<string>;
  readonly actions: ReadonlySet<string>;
  readonly keys: ReadonlySet<string>;
  readonly objects: readonly CompiledPattern[];
  readonly wholeKey: boolean;
};

function compilePattern(pattern: string): CompiledPattern {
  const segments = pattern.split('/');
  const rest = segments[segments.length - 1] === '**';
  return { segments: rest ? segments.slice(0, -1) : segments, rest };
}

/**
 * The object patterns of the rules that apply to one request, as a trie over segments, so a batch
 * costs one walk per object instead of one comparison per pattern. `matchObjectPattern` semantics
 * (the test checks they agree): `*` is one segment, a trailing `**` any number, zero included.
 */
type PatternTrie = {
  readonly next: Map<string, PatternTrie>;
  star: PatternTrie | undefined;
  /** Lowest index of a rule whose pattern ends here. */
  end: number;
  /** Lowest index of a rule whose pattern ends here with `**`. */
  rest: number;
};

function emptyTrie(): PatternTrie {
  return { next: new Map(), star: undefined, end: Infinity, rest: Infinity };
}

function buildTrie(rules: readonly { readonly objects: readonly CompiledPattern[] }[]): PatternTrie {
  const root = emptyTrie();
  rules.forEach((rule, index) => {
    for (const p of rule.objects) {
      let node = root;
      for (const seg of p.segments) {
        if (seg === '*') node = node.star ??= emptyTrie();
        else {
          const child = node.next.get(seg) ?? emptyTrie();
          node.next.set(seg, child);
          node = child;
        }
      }
      if (p.rest) node.rest = Math.min(node.rest, index);
      else node.end = Math.min(node.end, index);
    }
  });
  return root;
}

/** The lowest index of a rule with a pattern matching `path`, or `Infinity`. */
function lowestMatch(node: PatternTrie, path: readonly string[], i: number): number {
  let best = node.rest;
  if (i === path.length) return Math.min(best, node.end);
  const literal = node.next.get(path[i] as string);
  if (literal) best = Math.min(best, lowestMatch(literal, path, i + 1));
  if (node.star) best = Math.min(best, lowestMatch(node.star, path, i + 1));
  return best;
}

function compileRule(rule: PolicyConfig['grants'][number], label: string): CompiledRule {
  const principals = new Set<string>();
  const principalKinds = new Set<string>();
  for (const p of rule.principals) {
    if (p.endsWith(':*')) principalKinds.add(p.slice(0, -2));
    else principals.add(p);
  }
  return {
    label,
    principals,
    principalKinds,
    actions: new Set(rule.actions),
    keys: new Set(rule.keys),
    objects: rule.objects.map(compilePattern),
    wholeKey: rule.objects.includes(WHOLE_KEY_PATTERN),
  };
}

function applies(rule: CompiledRule, ids: readonly string[], action: string, keyId: string): boolean {
  if (!rule.actions.has(action) && !rule.actions.has('*')) return false;
  if (!rule.keys.has(keyId) && !rule.keys.has('*')) return false;
  return ids.some((id) => rule.principals.has(id) || rule.principalKinds.has(id.slice(0, id.indexOf(':'))));
}

function objectSegments(object: unknown): string[] | undefined {
  try {
    return validateObjectPath(object).split('/');
  } catch {
    return undefined;
  }
}

/**
 * Compiles the policy once (at node start).
 * @throws TkmsError `config.invalid` naming the rule, e.g. `grants[2].objects[0]`
 */
export function createPolicy(config: PolicyInput, nodeId: string): Policy {
  const parsed = PolicySchema.safeParse(config);
  if (!parsed.success)
    throw new TkmsError('config.invalid', {
      details: `${nodeId} policy: ${parsed.error.issues.map((i) => `${rulePath(i.path)}: ${i.message}`).join('; ')}`,
    });
  const grants = parsed.data.grants.map((g, i) => compileRule(g, `grants[${i}]`));
  const denies = parsed.data.denies.map((d, i) => compileRule(d, `denies[${i}]`));
  const refuse = (reason: string): PolicyDecision => ({
    allowed: false,
    reason: `${nodeId} policy: ${reason}`,
  });
  const ALLOWED: PolicyDecision = { allowed: true };

  /** The rules that apply to everything but the object, or a refusal for malformed input. */
  function select(principal: Principal, action: PolicyAction, keyId: string) {
    if (typeof principal?.kind !== 'string' || typeof principal.name !== 'string')
      return refuse('the caller is not an authenticated principal');
    const who = principalId(principal);
    if (!(POLICY_ACTIONS as readonly unknown[]).includes(action))
      return refuse(`${who} asked for an unknown action`);
    if (typeof keyId !== 'string' || !KEY_ID.test(keyId))
      return refuse(`${who} asked to ${action} with something that is not a key id`);
    const ids = principalIds(principal);
    return {
      who,
      grants: grants.filter((r) => applies(r, ids, action, keyId)),
      denies: denies.filter((r) => applies(r, ids, action, keyId)),
    };
  }

  function wholeKey(principal: Principal, action: PolicyAction, keyId: string): PolicyDecision {
    const s = select(principal, action, keyId);
    if ('allowed' in s) return s;
    const deny = s.denies[0];
    if (deny)
      return refuse(
        `${s.who} may not ${action} with the whole key ${keyId}: denied by rule ${deny.label}, which covers some of its objects`,
      );
    if (!s.grants.some((g) => g.wholeKey))
      return refuse(
        `no grant lets ${s.who} ${action} with the whole key ${keyId} (that needs objects ["${WHOLE_KEY_PATTERN}"])`,
      );
    return ALLOWED;
  }

  function many(
    principal: Principal,
    action: PolicyAction,
    keyId: string,
    objects: readonly unknown[],
  ): PolicyDecision[] {
    // The node never sees the object in the oblivious mode, so only a whole-key answer is honest.
    if (action === 'derive-oblivious') {
      const d = wholeKey(principal, action, keyId);
      return objects.map(() => d);
    }
    const s = select(principal, action, keyId);
    if ('allowed' in s) return objects.map(() => s);
    const everything = s.denies.length === 0 && s.grants.some((g) => g.wholeKey);
    const granted = buildTrie(s.grants);
    const denied = buildTrie(s.denies);
    return objects.map((object) => {
      const path = objectSegments(object);
      if (!path) return refuse(`${s.who} asked to ${action} with key ${keyId} on an invalid object path`);
      if (everything) return ALLOWED;
      const deny = s.denies[lowestMatch(denied, path, 0)];
      if (deny)
        return refuse(
          `${s.who} may not ${action} ${JSON.stringify(object)} with key ${keyId}: denied by rule ${deny.label}`,
        );
      if (lowestMatch(granted, path, 0) !== Infinity) return ALLOWED;
      return refuse(`no grant lets ${s.who} ${action} ${JSON.stringify(object)} with key ${keyId}`);
    });
  }

  return {
    authorize: (principal, action, keyId, object) =>
      many(principal, action, keyId, [object])[0] as PolicyDecision,
    authorizeWholeKey: wholeKey,
    authorizeMany: (principal, action, keyId, objects) =>
      many(principal, action, keyId, Array.isArray(objects) ? objects : []),
  };
}

/** `['grants', 2, 'objects', 0]` → `grants[2].objects[0]`. */
function rulePath(path: readonly PropertyKey[]): string {
  return (
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') ||
    '(root)'
  );
}

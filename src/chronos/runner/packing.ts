/**
 * Which waiting runs go into which offers (spec §3.9, §3.14), as a pure function.
 *
 * Runs are taken high priority first, then oldest first. Each run goes into the first offer
 * whose remaining cpus/mem/disk cover it and whose agent satisfies all the job's constraints;
 * several runs may share an offer. Unlike Chronos, a run that fits nowhere does not block the
 * runs behind it (no head-of-line blocking, mesos/chronos#569): it simply waits for the next
 * round. Offers that receive nothing are to be declined.
 *
 * Constraints: a `hostname` text attribute is synthesised when the agent has none. EQUALS = an
 * attribute of that name has exactly that text value; LIKE = the attribute exists and its text,
 * scalar-as-string or any set item fully matches the regex; UNLIKE = the attribute exists and
 * does not match (a missing attribute fails UNLIKE). Ranges never match.
 *
 * Pure module.
 */
import type { Constraint } from '../model/index.js';

/** An agent attribute as a Mesos offer carries it (JSON). */
export interface OfferAttribute {
  readonly name: string;
  readonly type?: string;
  readonly text?: { readonly value: string };
  readonly scalar?: { readonly value: number };
  readonly set?: { readonly item?: readonly string[] };
}

/** The parts of an offer the packer reads. */
export interface PackOffer {
  readonly id: string;
  readonly agentId: string;
  readonly hostname: string;
  readonly cpus: number;
  readonly mem: number;
  readonly disk: number;
  readonly attributes: readonly OfferAttribute[];
}

export interface PackRun {
  readonly key: string;
  readonly cpus: number;
  readonly mem: number;
  readonly disk: number;
  readonly constraints: readonly Constraint[];
  readonly highPriority: boolean;
  /** Queue order among runs of the same priority (smaller first). */
  readonly order: number;
}

export interface Placement {
  readonly runKey: string;
  readonly offerId: string;
}

export interface Packing {
  readonly placements: readonly Placement[];
  /** Offers that received no run. */
  readonly unused: readonly string[];
}

/** Slack for floating-point sums of scalar resources. */
const EPSILON = 1e-9;

export function packRuns(runs: readonly PackRun[], offers: readonly PackOffer[]): Packing {
  const left = offers.map((offer) => ({ offer, cpus: offer.cpus, mem: offer.mem, disk: offer.disk, used: false }));
  const queue = [...runs].sort((a, b) => Number(b.highPriority) - Number(a.highPriority) || a.order - b.order || (a.key < b.key ? -1 : 1));
  const placements: Placement[] = [];
  for (const run of queue) {
    const slot = left.find(
      (s) => s.cpus + EPSILON >= run.cpus && s.mem + EPSILON >= run.mem && s.disk + EPSILON >= run.disk && constraintsHold(run.constraints, s.offer),
    );
    if (slot === undefined) continue;
    slot.cpus -= run.cpus;
    slot.mem -= run.mem;
    slot.disk -= run.disk;
    slot.used = true;
    placements.push({ runKey: run.key, offerId: slot.offer.id });
  }
  return { placements, unused: left.filter((s) => !s.used).map((s) => s.offer.id) };
}

export function constraintsHold(constraints: readonly Constraint[], offer: Pick<PackOffer, 'hostname' | 'attributes'>): boolean {
  return constraints.every((constraint) => constraintHolds(constraint, offer));
}

function constraintHolds(constraint: Constraint, offer: Pick<PackOffer, 'hostname' | 'attributes'>): boolean {
  const attributes = attributesWithHostname(offer);
  const named = attributes.filter((a) => a.name === constraint.attribute);
  switch (constraint.operator) {
    case 'EQUALS':
      return named.some((a) => a.text !== undefined && a.text.value === constraint.value);
    case 'LIKE':
      return named.length > 0 && named.some((a) => valuesOf(a).some((v) => fullMatch(constraint.value, v)));
    case 'UNLIKE':
      return named.length > 0 && named.every((a) => !valuesOf(a).some((v) => fullMatch(constraint.value, v)));
    default:
      return false;
  }
}

function attributesWithHostname(offer: Pick<PackOffer, 'hostname' | 'attributes'>): readonly OfferAttribute[] {
  if (offer.attributes.some((a) => a.name === 'hostname')) return offer.attributes;
  return [...offer.attributes, { name: 'hostname', type: 'TEXT', text: { value: offer.hostname } }];
}

function valuesOf(attribute: OfferAttribute): string[] {
  if (attribute.text !== undefined) return [attribute.text.value];
  if (attribute.scalar !== undefined) return [String(attribute.scalar.value)];
  if (attribute.set !== undefined) return [...(attribute.set.item ?? [])];
  return [];
}

function fullMatch(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return false;
  }
}

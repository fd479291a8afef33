/**
 * An ACCEPT's operations in order (mesos-api.md §2.4), planned against the accepted offers'
 * resources before anything is proposed: RESERVE moves resources from the offer's unreserved
 * part to the framework's role, UNRESERVE back, LAUNCH / LAUNCH_GROUP take each task's resources
 * from the pool they name — so RESERVE then LAUNCH on the new reservation works in one call, as
 * in Mesos.
 *
 * An invalid RESERVE / UNRESERVE (resources not in what is left of the offer, another role, a
 * foreign principal, a static reservation) is dropped and the rest carried on, as Mesos's master
 * does in `_accept` (it logs and drops an operation that fails validation; operation status
 * updates exist only for operations with an id, which this API does not send). A task that then
 * does not fit gets TASK_ERROR; a LAUNCH_GROUP launches all its tasks or none. Consecutive
 * launches share one `reg.task.launch`.
 * Pure: the registry is read through the arguments.
 */
import type { LaunchRecord } from '../registry/commands.js';
import { validateRegistryCommand } from '../registry/commands.js';
import {
  addPools,
  dynamicReservationsOf,
  frameworkRole,
  poolOf,
  poolsFitIn,
  poolsOf,
  subtractPools,
  UNRESERVED,
  type Pools,
} from '../registry/reservations.js';
import { amountsOf, emptyAmounts, fitsIn } from '../registry/resources.js';
import type { AgentEntry, FrameworkEntry, WireResource } from '../registry/types.js';
import { launchFromTaskInfo, wireResourcesOf } from './task-info.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export type AcceptStep =
  | { kind: 'reserve' | 'unreserve'; resources: WireResource[] }
  | { kind: 'launch'; launches: LaunchRecord[] };

/** One step with the pools to hold while it is in flight (both sides of a move) and after. */
export interface PlannedStep {
  step: AcceptStep;
  during: Pools;
  after: Pools;
}

export interface AcceptPlan {
  steps: PlannedStep[];
  /** Tasks refused before proposing: TASK_ERROR with this message (reason REASON_TASK_INVALID
   * unless given). */
  taskErrors: Array<{ taskId: string; message: string; reason?: 'REASON_TASK_GROUP_INVALID' }>;
  /** Operations dropped as invalid, by index in `operations`. */
  dropped: Array<{ index: number; type: string; message: string }>;
  /** What the operations leave of the offers (declined with the ACCEPT's filter). */
  remaining: Pools;
}

export interface AcceptInput {
  operations: readonly Json[];
  /** The accepted offers' resources together. */
  offered: Pools;
  framework: FrameworkEntry;
  agentId: string;
  agent: AgentEntry | undefined;
  /** True when the framework has a non-terminal task of that id. */
  isLiveTask(taskId: string): boolean;
}

export function planAccept(input: AcceptInput): AcceptPlan {
  const { framework, agentId } = input;
  const role = frameworkRole(framework.info);
  const plan: AcceptPlan = { steps: [], taskErrors: [], dropped: [], remaining: input.offered };
  const ids = new Set<string>();
  let pendingLaunches: LaunchRecord[] = [];
  let launchStart = input.offered;
  const flushLaunches = (): void => {
    if (pendingLaunches.length === 0) return;
    plan.steps.push({ step: { kind: 'launch', launches: pendingLaunches }, during: launchStart, after: plan.remaining });
    pendingLaunches = [];
  };
  for (const [index, operation] of input.operations.entries()) {
    const type = typeof operation['type'] === 'string' ? operation['type'] : '';
    if (type === 'LAUNCH' || type === 'LAUNCH_GROUP') {
      if (pendingLaunches.length === 0) launchStart = plan.remaining;
      const infos = taskInfosOf(operation);
      if (type === 'LAUNCH_GROUP') {
        if (infos.length === 0) plan.dropped.push({ index, type, message: 'launch_group.task_group: the task group is empty' });
        else launchGroup(infos);
        continue;
      }
      for (const info of infos) {
        const { taskId, problem } = tryLaunch(info);
        if (problem) plan.taskErrors.push({ taskId, message: problem });
      }
      continue;
    }
    if (type === 'RESERVE' || type === 'UNRESERVE') {
      const kind = type === 'RESERVE' ? 'reserve' : 'unreserve';
      const payload = operation[kind];
      const given = wireResourcesOf(isObject(payload) ? payload['resources'] : undefined);
      const resources = kind === 'reserve' ? withPrincipal(given, framework.info.principal) : given;
      const problem = kind === 'reserve' ? reserveProblem(resources) : unreserveProblem(resources);
      if (problem) {
        plan.dropped.push({ index, type, message: problem });
        continue;
      }
      flushLaunches();
      const moved = poolsOf(resources).reserved.get(role)!;
      const reservedPart: Pools = { unreserved: emptyAmounts(), reserved: new Map([[role, moved]]) };
      const unreservedPart: Pools = { unreserved: moved, reserved: new Map() };
      const before = plan.remaining;
      const after = kind === 'reserve' ? addPools(subtractPools(before, unreservedPart), reservedPart) : addPools(subtractPools(before, reservedPart), unreservedPart);
      // While in flight, hold both sides: the registry may or may not have applied it yet.
      const during = kind === 'reserve' ? addPools(before, reservedPart) : addPools(before, unreservedPart);
      plan.steps.push({ step: { kind, resources }, during, after });
      plan.remaining = after;
      continue;
    }
    plan.dropped.push({ index, type, message: `${type || 'an operation without a type'} is not supported` });
  }
  flushLaunches();
  return plan;

  /** Takes the task's resources and queues its launch, or says why it cannot launch. */
  function tryLaunch(info: unknown): { taskId: string; problem: string | null } {
    const converted = launchFromTaskInfo(info, framework.id, agentId);
    if (!converted.ok) return { taskId: converted.taskId, problem: converted.message };
    const { launch } = converted;
    const taskId = launch.taskId;
    if (ids.has(taskId) || input.isLiveTask(taskId)) return { taskId, problem: `Task has duplicate ID: ${taskId}` };
    const needs = poolsOf(launch.resources);
    for (const reservedRole of needs.reserved.keys()) {
      if (reservedRole !== role) return { taskId, problem: `Task uses resources reserved for role ${reservedRole}; the framework's role is ${role}` };
    }
    if (!poolsFitIn(needs, plan.remaining)) return { taskId, problem: 'Task uses more resources than offered' };
    plan.remaining = subtractPools(plan.remaining, needs);
    ids.add(taskId);
    pendingLaunches.push(launch);
    return { taskId, problem: null };
  }

  /**
   * A task group launches whole or not at all (Mesos: every task of an invalid group gets
   * TASK_ERROR with REASON_TASK_GROUP_INVALID). Its tasks run as separate tasks on the agent; the
   * group's executor is not started (no nested containers here) and takes no resources.
   */
  function launchGroup(infos: readonly unknown[]): void {
    const before = { remaining: plan.remaining, queued: pendingLaunches.length };
    const tried = infos.map(tryLaunch);
    const failed = tried.find((attempt) => attempt.problem !== null);
    if (!failed) return;
    plan.remaining = before.remaining;
    for (const launch of pendingLaunches.splice(before.queued)) ids.delete(launch.taskId);
    const message = `Task group is invalid: task ${failed.taskId}: ${failed.problem}`;
    for (const { taskId } of tried) plan.taskErrors.push({ taskId, message, reason: 'REASON_TASK_GROUP_INVALID' });
  }

  function commonProblem(resources: WireResource[], verb: string): string | null {
    if (role === UNRESERVED) return `a framework of role '*' cannot ${verb}`;
    const invalid = validateRegistryCommand({ t: 'reg.reserve', agentId, resources, nowMs: 0 });
    if (invalid) return `${invalid.field}: ${invalid.message}`;
    const other = resources.find((resource) => resource.role !== role);
    if (other) return `resources: role ${other.role ?? UNRESERVED} is not the framework's role ${role}`;
    const principal = framework.info.principal;
    // As Mesos: a reservation may only name the reserving framework's own principal.
    const foreign = resources.find((resource) => resource.reservation?.principal !== undefined && resource.reservation.principal !== principal);
    if (foreign && verb === 'reserve') return `resources: reservation principal ${foreign.reservation!.principal} is not the framework's principal ${principal ?? '(none)'}`;
    return null;
  }

  function reserveProblem(resources: WireResource[]): string | null {
    const common = commonProblem(resources, 'reserve');
    if (common) return common;
    if (!fitsIn(amountsOf(resources), plan.remaining.unreserved)) return 'resources: not among the unreserved resources left in the offers';
    return null;
  }

  function unreserveProblem(resources: WireResource[]): string | null {
    const common = commonProblem(resources, 'unreserve');
    if (common) return common;
    const wanted = amountsOf(resources);
    if (!fitsIn(wanted, poolOf(plan.remaining, role))) return `resources: not among the resources reserved for ${role} left in the offers`;
    const dynamic = amountsOf(input.agent ? dynamicReservationsOf(input.agent).filter((r) => r.role === role).flatMap((r) => r.resources) : []);
    if (!fitsIn(wanted, dynamic)) return `resources: only dynamic reservations can be unreserved`;
    return null;
  }
}

/** Every TaskInfo of the LAUNCH / LAUNCH_GROUP operations, in order. */
export function launchedTaskInfos(operations: readonly Json[]): unknown[] {
  return operations.flatMap(taskInfosOf);
}

function taskInfosOf(operation: Json): unknown[] {
  if (operation['type'] === 'LAUNCH' && isObject(operation['launch']) && Array.isArray(operation['launch']['task_infos'])) {
    return operation['launch']['task_infos'] as unknown[];
  }
  if (operation['type'] === 'LAUNCH_GROUP' && isObject(operation['launch_group'])) {
    const group = operation['launch_group']['task_group'];
    if (isObject(group) && Array.isArray(group['tasks'])) return group['tasks'] as unknown[];
  }
  return [];
}

/** A reservation without a principal is made in the framework's name (Mesos fills it in). */
function withPrincipal(resources: WireResource[], principal: string | undefined): WireResource[] {
  if (principal === undefined) return resources;
  return resources.map((resource) => (resource.reservation?.principal !== undefined || resource.role === undefined ? resource : { ...resource, reservation: { principal } }));
}

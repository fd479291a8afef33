/**
 * `scheduler::call::validate` (apache/mesos src/master/validation.cpp), paraphrased: what a
 * well-formed Call must carry beyond its protobuf shape. Returns the reason (Mesos's text) or
 * null. Pure.
 */
import type { DecodedCall } from './schema.js';

/** The call types whose payload member must be present, and that member's name. */
const PAYLOAD_OF: Partial<Record<string, keyof DecodedCall>> = {
  ACCEPT: 'accept',
  DECLINE: 'decline',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  ACKNOWLEDGE_OPERATION_STATUS: 'acknowledge_operation_status',
  RECONCILE: 'reconcile',
  RECONCILE_OPERATIONS: 'reconcile_operations',
  MESSAGE: 'message',
  REQUEST: 'request',
  UPDATE_FRAMEWORK: 'update_framework',
};

export interface CallProblem {
  message: string;
  field: string;
}

export function validateCall(call: DecodedCall): CallProblem | null {
  if (call.type === undefined) return { message: "Expecting 'type' to be present", field: 'type' };
  if (call.type === 'SUBSCRIBE') {
    if (!call.subscribe) return { message: "Expecting 'subscribe' to be present", field: 'subscribe' };
    // Mesos compares the two FrameworkIDs as messages: both unset is equal, one unset is not.
    if (call.subscribe.framework_info.id?.value !== call.framework_id?.value) {
      return { message: "'framework_id' differs from 'subscribe.framework_info.id'", field: 'framework_id' };
    }
    return null;
  }
  if (!call.framework_id) return { message: "Expecting 'framework_id' to be present", field: 'framework_id' };
  const payload = PAYLOAD_OF[call.type];
  if (payload !== undefined && call[payload] === undefined) return { message: `Expecting '${payload}' to be present`, field: payload };
  if (call.type === 'UPDATE_FRAMEWORK' && call.update_framework?.framework_info.id?.value !== call.framework_id.value) {
    return { message: "'framework_id' differs from 'update_framework.framework_info.id'", field: 'framework_id' };
  }
  return null;
}

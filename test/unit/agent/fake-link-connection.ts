/** A master link's connection without a socket: records what the agent sends, closes like a real one. */
import type { LinkConnection } from '../../../src/agent/daemon/master-link.js';
import type { AgentToMaster, MasterToAgent } from '../../../src/protocol/messages.js';

export class FakeLinkConnection implements LinkConnection {
  readonly sent: AgentToMaster[] = [];
  open = true;
  onMessage: (message: MasterToAgent) => void = () => {};
  onClose: (error: Error | null) => void = () => {};
  /** Where it was dialled and what for (tests of standby links tell them apart). */
  constructor(readonly address = '', readonly purpose: 'leader' | 'standby' = 'leader') {}
  send(message: AgentToMaster): boolean {
    if (!this.open) return false;
    this.sent.push(message);
    return true;
  }
  close(): void {
    if (!this.open) return;
    this.open = false;
    this.onClose(null);
  }
  deliver(message: MasterToAgent): void {
    this.onMessage(message);
  }
}

/** An agent link without a socket: records what the hub sends, and closes like a real one. */
import type { AgentToMaster, MasterToAgent } from '../../../../src/protocol/messages.js';

export class FakeConnection {
  readonly sent: MasterToAgent[] = [];
  isOpen = true;
  onMessage: (message: AgentToMaster) => void = () => {};
  onClose: (error: Error | null) => void = () => {};
  send(message: MasterToAgent): boolean {
    if (!this.isOpen) return false;
    this.sent.push(message);
    return true;
  }
  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.onClose(null);
  }
}

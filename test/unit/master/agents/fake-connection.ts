/** Fakes of the agent side of the gateway and hub: a framed link, and the raw upgraded socket. */
import type { AgentToMaster, MasterToAgent } from '../../../../src/protocol/messages.js';

/** An agent link without a socket: records what the hub sends, and closes like a real one. */
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

/** The raw socket of an HTTP upgrade: records what the gateway writes. */
export class FakeSocket {
  destroyed = false;
  written = '';
  on(): this {
    return this;
  }
  resume(): void {}
  end(text: string): void {
    this.written += text;
    this.destroyed = true;
  }
  write(text: string): boolean {
    this.written += text;
    return true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

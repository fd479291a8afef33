/** An applied command that the run reducer refused (stale or invalid): nothing changed. */
export class RejectedCommand extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RejectedCommand';
  }
}

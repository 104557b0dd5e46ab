/**
 * The sender's commits on their way to the store (outcomes, claims). A process that dies does not
 * take back a commit it already sent (on PostgreSQL it is round trips away): a simulated crash's test
 * waits for them before it reads what the store holds (MailSender.commitsSettled).
 */
export class CommitsInFlight {
  private readonly commits = new Set<Promise<unknown>>();

  track<T>(commit: Promise<T>): Promise<T> {
    this.commits.add(commit);
    const gone = () => this.commits.delete(commit);
    commit.then(gone, gone);
    return commit;
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.commits]);
  }
}

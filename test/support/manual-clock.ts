/** A clock tests move by hand, so timelines and schedules are deterministic. */
export class ManualClock {
  constructor(private t = Date.parse("2026-11-29T10:00:00.000Z")) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

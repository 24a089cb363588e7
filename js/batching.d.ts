export type Schedule = (callback: () => void) => () => void;
export const nextFrame: Schedule;
export interface Batcher<T> {
  push(item: T): void;
  flush(): void;
  readonly pending: number;
}
export function createBatcher<T>(onFlush: (batch: T[]) => void, schedule?: Schedule): Batcher<T>;

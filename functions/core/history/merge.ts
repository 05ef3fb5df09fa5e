/**
 * Merges iterators that are each sorted by `keyOf` (ascending, or descending with
 * `descending`) into one sorted sequence, lazily: an iterator is only advanced once its head
 * has been taken, so a consumer that stops early leaves the rest unread.
 */
export async function* mergeBy<T>(
  iterators: AsyncIterator<T>[],
  keyOf: (item: T) => string,
  descending = false,
): AsyncGenerator<T> {
  const before = (a: string, b: string) => (descending ? a > b : a < b);
  const heads = await Promise.all(iterators.map((iterator) => iterator.next()));
  for (;;) {
    let smallest = -1;
    heads.forEach((head, index) => {
      if (head.done) return;
      const current = heads[smallest];
      if (
        smallest < 0 ||
        (current && !current.done && before(keyOf(head.value), keyOf(current.value)))
      )
        smallest = index;
    });
    if (smallest < 0) return;
    const head = heads[smallest] as IteratorResult<T> & { done: false };
    yield head.value;
    heads[smallest] = await (iterators[smallest] as AsyncIterator<T>).next();
  }
}

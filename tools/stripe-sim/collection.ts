/**
 * A store collection that also answers "newest first" by position and, when given a grouping key,
 * "this customer's objects" without walking the whole collection. Lists at Stripe's scale
 * (100,000 subscriptions, a page of 100 at a time, a per-customer list per sync) would otherwise
 * copy and filter everything on every request.
 *
 * It is a Map, so every writer (ops, seeders, `clearStore`) keeps the indexes right by just
 * calling `set`, `delete` or `clear`. Appending is kept incremental; a delete or a replaced group
 * key marks the indexes stale and the next read rebuilds them.
 */
export class Collection<T extends { id: string }> extends Map<string, T> {
  /** Ids in insertion (creation) order, oldest first. */
  private order: string[] = [];
  private positions = new Map<string, number>();
  private groups = new Map<string, string[]>();
  private stale = false;

  constructor(private readonly groupKey?: (item: T) => string | null) {
    super();
  }

  override set(id: string, item: T): this {
    const previous = super.get(id);
    super.set(id, item);
    if (previous === undefined) {
      this.positions.set(id, this.order.length);
      this.order.push(id);
      const key = this.groupKey?.(item);
      if (key != null) this.groupIds(key).push(id);
    } else if (this.groupKey && this.groupKey(previous) !== this.groupKey(item)) {
      this.stale = true;
    }
    return this;
  }

  override delete(id: string): boolean {
    const deleted = super.delete(id);
    if (deleted) this.stale = true;
    return deleted;
  }

  override clear(): void {
    super.clear();
    this.order = [];
    this.positions.clear();
    this.groups.clear();
    this.stale = false;
  }

  /** The collection newest first, readable by position without copying. */
  newestFirst(): Ordered<T> {
    this.refresh();
    const { order, positions } = this;
    return {
      length: order.length,
      at: (index) => this.get(order[order.length - 1 - index]) as T,
      indexOf: (id) => {
        const position = positions.get(id);
        return position === undefined ? -1 : order.length - 1 - position;
      },
    };
  }

  /** The objects whose group key is `key`, newest first. */
  group(key: string): T[] {
    this.refresh();
    return (this.groups.get(key) ?? []).map((id) => this.get(id) as T).reverse();
  }

  private groupIds(key: string): string[] {
    let ids = this.groups.get(key);
    if (ids === undefined) this.groups.set(key, (ids = []));
    return ids;
  }

  private refresh(): void {
    if (!this.stale) return;
    this.order = [];
    this.positions.clear();
    this.groups.clear();
    this.stale = false;
    for (const [id, item] of this) {
      this.positions.set(id, this.order.length);
      this.order.push(id);
      const key = this.groupKey?.(item);
      if (key != null) this.groupIds(key).push(id);
    }
  }
}

/** Random access to a list, newest first: what paging needs, without a copy of the list. */
export interface Ordered<T> {
  readonly length: number;
  at(index: number): T;
  /** Position of the object with this id, or -1. */
  indexOf(id: string): number;
}

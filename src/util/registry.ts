// A registry of named things that register themselves (tasks, stage kinds, analyses): lookup with a
// one-line error listing what is registered, and a second registration of a name refused naming both.
export class Registry<T extends { name: string }> {
  private readonly items = new Map<string, { item: T; origin: string }>();

  /** `what` names the kind of thing in errors ("task", "stage kind", "analysis"). */
  constructor(readonly what: string) {}

  /** Add `item`; `origin` says who registered it (a module path), for the collision error. */
  register(item: T, origin: string): T {
    const had = this.items.get(item.name);
    if (had) {
      const both = `by ${had.origin} and by ${origin}`;
      throw new Error(`${this.what} "${item.name}" is registered twice: ${both} (rename one)`);
    }
    this.items.set(item.name, { item, origin });
    return item;
  }

  /** Take a registration back (a test that registered its own). */
  unregister(name: string): void {
    this.items.delete(name);
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  /** Names in registration order. */
  names(): string[] {
    return [...this.items.keys()];
  }

  all(): T[] {
    return [...this.items.values()].map((e) => e.item);
  }

  /** The item, or a one-line error naming the unknown name (and `where` it came from) and the registered ones. */
  get(name: string, where?: string): T {
    const e = this.items.get(name);
    const at = where ? `${where}: ` : "";
    if (!e) throw new Error(`${at}unknown ${this.what} "${name}" (registered: ${this.names().join(", ")})`);
    return e.item;
  }
}

/**
 * One value per owner object (an actor system), created on first use and dropped with the
 * owner: how modules attach their registries to a system without the system knowing them.
 */

/** A getter returning `create(owner)` the first time it sees `owner`, the same value after. */
export function perOwner<K extends object, V>(create: (owner: K) => V): (owner: K) => V {
  const values = new WeakMap<K, V>()
  return (owner) => {
    let v = values.get(owner)
    if (v === undefined) {
      v = create(owner)
      values.set(owner, v)
    }
    return v
  }
}

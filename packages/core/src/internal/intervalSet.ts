/**
 * A set of integers stored as sorted, disjoint, non-adjacent closed intervals, so that membership
 * is a binary search: O(log n) whatever the number of rules that built it.
 *
 * The same code serves IPv4 (`number`) and IPv6 (`bigint`); `one` is that type's 1, needed to merge
 * adjacent intervals ([1, 4] and [5, 9] become [1, 9]).
 */

/** @internal */
export class IntervalSet<T extends number | bigint> {
  private constructor(
    private readonly one: T,
    private readonly starts: Array<T>,
    private readonly ends: Array<T>
  ) {}

  static empty<T extends number | bigint>(one: T): IntervalSet<T> {
    return new IntervalSet(one, [], [])
  }

  get size(): number {
    return this.starts.length
  }

  clone(): IntervalSet<T> {
    return new IntervalSet(this.one, this.starts.slice(), this.ends.slice())
  }

  /** The index of the last interval starting at or before `x`, or -1. */
  private floor(x: T): number {
    const starts = this.starts
    let lo = 0
    let hi = starts.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (starts[mid]! <= x) lo = mid + 1
      else hi = mid - 1
    }
    return hi
  }

  has(x: T): boolean {
    const i = this.floor(x)
    return i >= 0 && x <= this.ends[i]!
  }

  /** Adds [start, end] (start <= end), merging every interval it overlaps or touches. */
  add(start: T, end: T): void {
    const { ends, one, starts } = this
    // The first interval that may merge: the one that contains or ends right before `start`.
    let first = this.floor(start)
    if (first < 0 || (ends[first]! as bigint) + (one as bigint) < (start as bigint)) first++
    // The last interval that may merge: the last one starting at or right after `end`.
    let last = this.floor(end)
    if (last + 1 < starts.length && (starts[last + 1]! as bigint) - (one as bigint) <= (end as bigint)) last++
    if (first > last) {
      starts.splice(first, 0, start)
      ends.splice(first, 0, end)
      return
    }
    const mergedStart = starts[first]! < start ? starts[first]! : start
    const mergedEnd = ends[last]! > end ? ends[last]! : end
    starts.splice(first, last - first + 1, mergedStart)
    ends.splice(first, last - first + 1, mergedEnd)
  }
}

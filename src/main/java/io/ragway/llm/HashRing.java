package io.ragway.llm;

import java.util.Arrays;
import java.util.List;

/**
 * Consistent hashing: each member owns many points (virtual nodes) on a ring of 64-bit hashes, and a
 * key belongs to the member of the first point at or after the key's hash. Adding one member to N
 * takes about 1/(N+1) of the keys, all of them to the new member; the others keep theirs.
 */
final class HashRing {

  /*
   * Points come from the members' names, not their positions in a list, so a member keeps its
   * points (and its keys) when others are added or removed. With 160 points per member the share of
   * keys per member stays within a few percent of 1/N.
   */
  static final int VIRTUAL_NODES = 160;

  private final long[] points;
  private final int[] owners;
  private final int members;

  /** A ring of {@code names}; a key's owner is reported as its index in {@code names}. */
  HashRing(List<String> names, int virtualNodes) {
    if (names.isEmpty() || virtualNodes < 1) {
      throw new IllegalArgumentException("a hash ring needs members and virtual nodes");
    }
    members = names.size();
    int n = members * virtualNodes;
    long[][] pairs = new long[n][];
    int at = 0;
    for (int m = 0; m < members; m++) {
      for (int v = 0; v < virtualNodes; v++) {
        pairs[at++] = new long[] {PromptBlocks.hash(names.get(m) + "#" + v), m};
      }
    }
    Arrays.sort(pairs, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    points = new long[n];
    owners = new int[n];
    for (int i = 0; i < n; i++) {
      points[i] = pairs[i][0];
      owners[i] = (int) pairs[i][1];
    }
  }

  /** The member owning {@code key}. */
  int owner(long key) {
    return owners[start(key)];
  }

  /** Every member once, in the order met walking the ring from {@code key}: the owner first, then its successors. */
  int[] walk(long key) {
    int[] out = new int[members];
    boolean[] seen = new boolean[members];
    int found = 0;
    for (int i = start(key), step = 0; found < members && step < points.length; i = (i + 1) % points.length, step++) {
      int m = owners[i];
      if (!seen[m]) {
        seen[m] = true;
        out[found++] = m;
      }
    }
    return out;
  }

  private int start(long key) {
    int i = Arrays.binarySearch(points, key);
    if (i < 0) {
      i = -i - 1;
    }
    return i == points.length ? 0 : i;
  }
}

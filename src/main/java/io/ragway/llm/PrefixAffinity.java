package io.ragway.llm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * The {@link RoutingPolicy.Strategy#PREFIX} choice among the replicas of one model. A request's home
 * is its conversation's owner on a hash ring, keyed by its {@code user} or else by its first user
 * message (which every later turn of the conversation repeats); it goes home unless another
 * replica is known to hold a prefix of its prompt long enough to spare more than half of the
 * prefill home would do. A preferred replica busier than the least busy one by more than the
 * slack is passed over. Safe for concurrent use.
 */
final class PrefixAffinity {

  /*
   * The index is approximate, as llm-d's approximate prefix scorer: the gateway does not see the
   * servers' caches, only where it sent each block, and forgets the least recently used blocks
   * first. Each block remembers every replica it went to (a bit mask), not only the last one: a
   * system prompt every session shares ends up on all replicas, so it ties them all and the ring,
   * not the last replica to see it, decides where a new conversation starts. Later turns of a
   * conversation repeat its history, whose blocks only its replica has seen, so they follow it.
   * Replicas past the 64th are routed by the ring and by load but never remembered.
   *
   *
   * Why a home, and "more than half": following the longest match alone herds. From cold, the
   * first replica to see a shared system prompt (or any shared template text after it) is the only
   * one known to hold it, so every new conversation would match it longest and go there until
   * load pushed it off. A home on the ring spreads conversations from the start, at the cost of
   * one system-prompt prefill per replica, and keeps each on one replica turn after turn; the
   * match still wins when it spares most of the work, e.g. a conversation whose earlier turns were
   * sent elsewhere while its home was busy, or a long document many questions share.
   */

  /** A decision: the replicas to try in order, and the prompt's blocks to remember under the one that takes it. */
  record Plan(int[] order, long[] blocks, int matchedBlocks) {}

  private final int replicas;
  private final RoutingPolicy.Prefix settings;
  private final HashRing ring;
  private final Map<Long, Long> holders;

  /** @param names the replicas' names (stable across restarts: they place the replicas on the ring) */
  PrefixAffinity(List<String> names, RoutingPolicy.Prefix settings) {
    this.replicas = names.size();
    this.settings = settings;
    this.ring = new HashRing(names, HashRing.VIRTUAL_NODES);
    this.holders = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Long> eldest) {
        return size() > settings.maxEntries();
      }
    };
  }

  /**
   * The order to try the replicas in for {@code body}.
   *
   * @param load requests in flight or queued at each replica, by index
   */
  Plan plan(JsonNode body, IntUnaryOperator load) {
    String prompt = PromptBlocks.render(body);
    long[] blocks = PromptBlocks.chain(prompt, settings.blockChars());
    int[] depth = new int[replicas];
    int matched = match(blocks, depth);

    int[] walk = ring.walk(key(body, prompt));
    // preference: home, or the longest match if it spares more than half of home's prefill; then
    // longest match first, the ring's order among equals
    int[] rank = new int[replicas];
    for (int i = 0; i < walk.length; i++) {
      rank[walk[i]] = i;
    }
    Integer[] order = new Integer[replicas];
    for (int r = 0; r < replicas; r++) {
      order[r] = r;
    }
    java.util.Arrays.sort(order, (a, b) -> depth[a] != depth[b] ? Integer.compare(depth[b], depth[a])
        : Integer.compare(rank[a], rank[b]));
    int home = walk[0];
    int best = order[0];
    if (best != home && 2 * (depth[best] - depth[home]) <= blocks.length - depth[home]) {
      int at = java.util.Arrays.asList(order).indexOf(home);
      System.arraycopy(order, 0, order, 1, at);
      order[0] = home;
    }

    // load: those over the least busy plus the slack go last, keeping their preference order
    int[] loads = new int[replicas];
    int least = Integer.MAX_VALUE;
    for (int r = 0; r < replicas; r++) {
      loads[r] = load.applyAsInt(r);
      least = Math.min(least, loads[r]);
    }
    int bound = least + settings.overloadSlack();
    int[] out = new int[replicas];
    int at = 0;
    for (Integer r : order) {
      if (loads[r] <= bound) {
        out[at++] = r;
      }
    }
    for (Integer r : order) {
      if (loads[r] > bound) {
        out[at++] = r;
      }
    }
    return new Plan(out, blocks, matched);
  }

  /** The conversation's key on the ring: its {@code user}, else its first user message, else the whole prompt. */
  private static long key(JsonNode body, String prompt) {
    String user = body.path("user").isTextual() ? body.get("user").asText() : "";
    if (!user.isBlank()) {
      return PromptBlocks.hash("user\u0001" + user);
    }
    for (JsonNode m : body.path("messages")) {
      if (m.path("role").asText().equals("user")) {
        return PromptBlocks.hash("first\u0001" + m.path("content"));
      }
    }
    return PromptBlocks.hash(prompt);
  }

  /** Remembers that {@code replica} took the request of {@code plan}: it now holds the prompt's blocks. */
  void served(Plan plan, int replica) {
    if (replica >= Long.SIZE) {
      return;
    }
    long bit = 1L << replica;
    synchronized (holders) {
      for (long b : plan.blocks()) {
        holders.merge(b, bit, (x, y) -> x | y);
      }
    }
  }

  /** Fills each replica's count of leading blocks it holds; returns the longest. */
  private int match(long[] blocks, int[] depth) {
    long alive = replicas >= Long.SIZE ? -1L : (1L << replicas) - 1;
    int longest = 0;
    synchronized (holders) {
      for (int i = 0; i < blocks.length && alive != 0; i++) {
        Long held = holders.get(blocks[i]);
        alive &= held == null ? 0 : held;
        if (alive != 0) {
          longest = i + 1;
          for (long m = alive; m != 0; m &= m - 1) {
            depth[Long.numberOfTrailingZeros(m)]++;
          }
        }
      }
    }
    return longest;
  }
}

package io.ragway.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrefixAffinityTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SYSTEM = "You answer questions about the team's documents, citing them. ".repeat(8);
  private static final List<String> REPLICAS = List.of("m@a:1", "m@b:1", "m@c:1", "m@d:1");

  private static PrefixAffinity affinity(List<String> names, int maxEntries, int slack) {
    return new PrefixAffinity(names, new RoutingPolicy.Prefix(64, maxEntries, slack));
  }

  private static ObjectNode chat(String user, String... turns) {
    ObjectNode body = JSON.createObjectNode().put("model", "m");
    if (!user.isEmpty()) {
      body.put("user", user);
    }
    ArrayNode messages = body.putArray("messages");
    messages.addObject().put("role", "system").put("content", SYSTEM);
    for (int i = 0; i < turns.length; i++) {
      messages.addObject().put("role", i % 2 == 0 ? "user" : "assistant").put("content", turns[i]);
    }
    return body;
  }

  private static String question(int session, int turn) {
    return ("Context for session " + session + " turn " + turn + ": the retrieved passages say this and that. ").repeat(10)
        + "Question " + turn + "?";
  }

  /** Plans and serves {@code body} on the first replica of the plan, with no load anywhere. */
  private static int route(PrefixAffinity a, ObjectNode body) {
    PrefixAffinity.Plan plan = a.plan(body, r -> 0);
    a.served(plan, plan.order()[0]);
    return plan.order()[0];
  }

  @Test
  void samePromptGoesToTheSameReplica() {
    PrefixAffinity a = affinity(REPLICAS, 10_000, 4);
    int first = route(a, chat("", question(1, 1)));
    for (int i = 0; i < 5; i++) {
      assertEquals(first, route(a, chat("", question(1, 1))));
    }
  }

  @Test
  void laterTurnsFollowTheReplicaHoldingTheirHistory() {
    PrefixAffinity a = affinity(REPLICAS, 10_000, 4);
    for (int s = 0; s < 40; s++) {
      int first = route(a, chat("", question(s, 1)));
      int second = route(a, chat("", question(s, 1), "An answer for session " + s + ".", question(s, 2)));
      PrefixAffinity.Plan third = a.plan(chat("", question(s, 1), "An answer for session " + s + ".", question(s, 2),
          "Another answer.", question(s, 3)), r -> 0);
      assertEquals(first, second, "session " + s);
      assertEquals(first, third.order()[0], "session " + s);
      assertTrue(third.matchedBlocks() > SYSTEM.length() / 64, "the history matches beyond the system prompt");
    }
  }

  /** Every replica has served the system prompt once, as after the first few conversations. */
  private static PrefixAffinity warm(PrefixAffinity a) {
    PrefixAffinity.Plan plan = a.plan(chat(""), r -> 0);
    for (int r = 0; r < REPLICAS.size(); r++) {
      a.served(plan, r);
    }
    return a;
  }

  @Test
  void newSessionsSharingASystemPromptSpreadAcrossReplicas() {
    for (boolean withUser : new boolean[] {true, false}) {
      PrefixAffinity a = affinity(REPLICAS, 100_000, 4);
      int[] counts = new int[4];
      for (int s = 0; s < 400; s++) {
        counts[route(a, chat(withUser ? "user-" + s : "", question(s, 1)))]++;
      }
      for (int c : counts) {
        assertTrue(c > 60 && c < 140, "400 sessions over 4 replicas (user field: " + withUser + "): "
            + java.util.Arrays.toString(counts));
      }
    }
  }

  @Test
  void concurrentNewSessionsSpreadFromColdByLoad() {
    PrefixAffinity a = affinity(REPLICAS, 100_000, 4);
    int[] inFlight = new int[4];
    for (int s = 0; s < 400; s++) {
      PrefixAffinity.Plan plan = a.plan(chat("", question(s, 1)), r -> inFlight[r]);
      a.served(plan, plan.order()[0]);
      inFlight[plan.order()[0]]++; // none has finished yet
    }
    for (int c : inFlight) {
      assertTrue(c >= 95 && c <= 105, "the slack of 4 keeps 400 requests in flight even: "
          + java.util.Arrays.toString(inFlight));
    }
  }

  @Test
  void theLongestMatchBeatsTheUsersRingPlace() {
    PrefixAffinity a = warm(affinity(REPLICAS, 10_000, 4));
    String[] turns = {question(1, 1), "An answer.", question(1, 2), "Another answer.", question(1, 3)};
    int first = route(a, chat("", turns[0], turns[1], turns[2]));
    PrefixAffinity fresh = affinity(REPLICAS, 10_000, 4); // the same ring, nothing remembered
    String other = "";
    for (int u = 0; other.isEmpty() && u < 1000; u++) {
      if (fresh.plan(chat("u" + u, "x"), r -> 0).order()[0] != first) {
        other = "u" + u;
      }
    }
    assertEquals(first, a.plan(chat(other, turns), r -> 0).order()[0], "the replica holding most of the prompt wins");
    assertNotEquals(first, a.plan(chat(other, question(9, 1)), r -> 0).order()[0],
        "with only the system prompt in common, the ring decides");
  }

  @Test
  void theUserFieldKeepsASessionTogetherWhenItsPromptChanges() {
    PrefixAffinity a = warm(affinity(REPLICAS, 10_000, 4));
    int first = route(a, chat("alice", question(1, 1)));
    assertEquals(first, route(a, chat("alice", "An unrelated question with other context. ".repeat(5))));
  }

  @Test
  void addingAReplicaMovesAboutOneInNSessions() {
    List<String> five = new ArrayList<>(REPLICAS);
    five.add("m@e:1");
    int sessions = 2_000;
    int moved = 0;
    for (int s = 0; s < sessions; s++) {
      ObjectNode body = chat("user-" + s, question(s, 1));
      int before = affinity(REPLICAS, 100, 4).plan(body, r -> 0).order()[0];
      int after = affinity(five, 100, 4).plan(body, r -> 0).order()[0];
      if (before != after) {
        moved++;
        assertEquals(4, after, "a session only moves to the new replica");
      }
    }
    double share = moved / (double) sessions;
    assertTrue(share > 0.14 && share < 0.26, "about 1/5 of the sessions move, got " + share);
  }

  @Test
  void anOverloadedReplicaIsPassedOverForTheLeastBusy() {
    PrefixAffinity a = affinity(REPLICAS, 10_000, 4);
    ObjectNode body = chat("", question(1, 1));
    int home = route(a, body);
    int[] busy = {3, 3, 3, 3};
    busy[home] = 3 + 4;
    assertEquals(home, a.plan(body, r -> busy[r]).order()[0], "within the slack the prefix wins");
    busy[home] = 3 + 5;
    int[] order = a.plan(body, r -> busy[r]).order();
    assertNotEquals(home, order[0], "past the slack another replica takes it");
    assertEquals(home, order[3], "the overloaded one is tried last");
  }

  @Test
  void forgetsTheLeastRecentlyUsedBlocks() {
    PrefixAffinity a = affinity(REPLICAS, 50, 4);
    ObjectNode body = chat("", question(1, 1));
    route(a, body);
    assertTrue(a.plan(body, r -> 0).matchedBlocks() > 0);
    for (int s = 2; s < 40; s++) {
      route(a, JSON.createObjectNode().set("messages", JSON.createArrayNode().add(JSON.createObjectNode()
          .put("role", "user").put("content", question(s, 1).repeat(3)))));
    }
    assertEquals(0, a.plan(body, r -> 0).matchedBlocks(), "its blocks were pushed out by newer ones");
  }

  @Test
  void blocksChainSoAChangeEarlyChangesEveryLaterHash() {
    long[] x = PromptBlocks.chain("a".repeat(64) + "b".repeat(64) + "c".repeat(64), 64);
    long[] y = PromptBlocks.chain("a".repeat(64) + "B" + "b".repeat(63) + "c".repeat(64) + "tail", 64);
    assertEquals(3, x.length);
    assertEquals(3, y.length, "a partial tail block is left out");
    assertEquals(x[0], y[0]);
    assertNotEquals(x[1], y[1]);
    assertNotEquals(x[2], y[2], "the third block is the same text, but follows a different prefix");
  }
}

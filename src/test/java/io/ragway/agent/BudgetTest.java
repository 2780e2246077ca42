package io.ragway.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import io.ragway.testkit.FakeClock;
import org.junit.jupiter.api.Test;

class BudgetTest {

  private static AgentConfig limits(int steps, int calls, long tokens, int seconds, double cost) {
    return new AgentConfig("", steps, calls, tokens, seconds, cost, 5, 1000, List.of());
  }

  @Test
  void endsAtMaxSteps() {
    Budget b = new Budget(limits(2, 10, 1000, 60, 0), new FakeClock());
    b.step();
    assertEquals(Optional.empty(), b.beforeStep());
    b.step();
    assertEquals(Optional.of(Limit.MAX_STEPS), b.beforeStep());
  }

  @Test
  void endsAtMaxToolCallsBeforeRunningThem() {
    Budget b = new Budget(limits(9, 3, 1000, 60, 0), new FakeClock());
    assertEquals(Optional.empty(), b.beforeTools(3));
    b.toolCalls(2);
    assertEquals(Optional.of(Limit.MAX_TOOL_CALLS), b.beforeTools(2));
    assertEquals(Optional.empty(), b.beforeTools(1));
  }

  @Test
  void endsAtTokensTimeAndCost() {
    FakeClock clock = new FakeClock();
    Budget b = new Budget(limits(9, 9, 100, 30, 0.01), clock);
    b.spend(60, 39, 0.001);
    assertEquals(Optional.empty(), b.beforeStep());
    b.spend(1, 0, 0);
    assertEquals(Optional.of(Limit.MAX_TOKENS), b.beforeStep());

    Budget t = new Budget(limits(9, 9, 100, 30, 0.01), clock);
    clock.advance(Duration.ofSeconds(29));
    assertEquals(Optional.empty(), t.beforeStep());
    assertEquals(Duration.ofSeconds(1), t.remaining());
    clock.advance(Duration.ofSeconds(1));
    assertEquals(Optional.of(Limit.MAX_TIME), t.beforeStep());

    Budget c = new Budget(limits(9, 9, 100, 30, 0.01), clock);
    c.spend(1, 1, 0.0099);
    assertEquals(Optional.empty(), c.beforeStep());
    c.spend(0, 0, 0.0001);
    assertEquals(Optional.of(Limit.MAX_COST), c.beforeStep());
    Budget free = new Budget(limits(9, 9, 100, 30, 0), clock);
    free.spend(0, 0, 99);
    assertEquals(Optional.empty(), free.beforeStep(), "0 is no cost limit");
  }
}

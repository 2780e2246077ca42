package io.ragway.rollout;

import io.ragway.guard.Guard;
import java.util.List;

/** No rollouts, no drift: requests are answered as asked. */
final class NoRollouts implements Rollouts {

  static final NoRollouts INSTANCE = new NoRollouts();

  private NoRollouts() {}

  @Override
  public Ticket route(Request request) {
    return Ticket.unrouted(request.model());
  }

  @Override
  public Guard.DecisionLog watching(Guard.DecisionLog next) {
    return next;
  }

  @Override
  public List<Status> status() {
    return List.of();
  }

  @Override
  public void close() {}
}

package io.ragway.server;

import io.ragway.llm.Router;
import io.ragway.llm.UpstreamException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The failed upstream attempts of each request, for the usage ledger. The router tells its
 * listeners on the request's own thread, so the attempts of the request being served on a thread
 * are those heard while its {@link Trail} is open there.
 */
final class AttemptTrail implements Router.Listener {

  /**
   * One failed attempt.
   *
   * @param deployment which deployment of the model was called ({@code name@host:port})
   * @param followedBy {@code retry}, {@code fallback} or {@code none}, once known
   */
  record Failed(Instant at, String model, String deployment, int status, String error, long latencyMs,
      String followedBy) {}

  /** One request's attempts, in order. Used by the request's thread only. */
  static final class Trail {
    private final long started = System.nanoTime();
    private final List<Failed> failed = new ArrayList<>();
    private long attemptStarted = started;

    /** An upstream call starts now (the first of a request; later ones are marked by the router's events). */
    void calling() {
      attemptStarted = System.nanoTime();
    }

    private void failed(String model, String deployment, UpstreamException e) {
      long now = System.nanoTime();
      follow(model);
      ApiException api = UpstreamErrors.toApi(e);
      failed.add(new Failed(Instant.now(), model, deployment, e.status(), api.code() != null ? api.code() : api.type(),
          (now - attemptStarted) / 1_000_000, ""));
      attemptStarted = now; // a fallback starts at once; a retry is marked again after its pause
    }

    private void retrying(String model) {
      follow(model);
      attemptStarted = System.nanoTime();
    }

    /** Says what followed the last failed attempt, if that is not known yet: a call to {@code next}. */
    private void follow(String next) {
      int last = failed.size() - 1;
      if (last >= 0 && failed.get(last).followedBy().isEmpty()) {
        Failed f = failed.get(last);
        failed.set(last, new Failed(f.at(), f.model(), f.deployment(), f.status(), f.error(), f.latencyMs(),
            f.model().equals(next) ? "retry" : "fallback"));
      }
    }

    /**
     * The attempts, the last one's sequel settled: answered by {@code servedBy} (a retry or a
     * fallback), or nothing more ({@code none}) when the request was not answered.
     */
    List<Failed> finish(Optional<String> servedBy) {
      servedBy.ifPresent(this::follow);
      int last = failed.size() - 1;
      if (last >= 0 && failed.get(last).followedBy().isEmpty()) {
        Failed f = failed.get(last);
        failed.set(last, new Failed(f.at(), f.model(), f.deployment(), f.status(), f.error(), f.latencyMs(), "none"));
      }
      return List.copyOf(failed);
    }

    long elapsedMs() {
      return (System.nanoTime() - started) / 1_000_000;
    }
  }

  private final ThreadLocal<Trail> current = new ThreadLocal<>();

  /** Starts hearing the attempts of the request this thread serves. */
  Trail open() {
    Trail t = new Trail();
    current.set(t);
    return t;
  }

  /** Marks the start of an upstream call of the request this thread serves, if any. */
  void calling() {
    Trail t = current.get();
    if (t != null) {
      t.calling();
    }
  }

  /** Stops hearing for this thread. */
  void close() {
    current.remove();
  }

  @Override
  public void failed(String model, String deployment, UpstreamException e) {
    Trail t = current.get();
    if (t != null) {
      t.failed(model, deployment, e);
    }
  }

  @Override
  public void retrying(String model) {
    Trail t = current.get();
    if (t != null) {
      t.retrying(model);
    }
  }
}

package io.ragway.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One event of the usage ledger: an answered request ({@code kind} {@value #REQUEST}), a request
 * that ended in an error ({@value #FAILED}), or an upstream call that failed ({@value #ATTEMPT}).
 * Reports of usage count the answered requests; the others say what failed and what it cost in
 * time.
 *
 * @param eventId unique per event; a journal replayed after a crash adds nothing twice
 * @param keyId the API key's id, or {@code anonymous}
 * @param model the model the client asked for
 * @param backend what answered: an upstream model's name, {@code extractive}, or {@code cache}
 * @param promptTokens the prompt tokens the client was told of (its {@code usage})
 * @param completionTokens the completion tokens the client was told of
 * @param costUsd what the upstream call cost at the configured prices; 0 for cache hits and
 *     for requests that shared another's upstream call
 * @param cache {@code hit}, {@code semantic}, {@code coalesced} or {@code miss}
 * @param attempts upstream calls made, retries and fallbacks included (0 when none was made)
 * @param cachedTokens of the prompt tokens, those the upstream read from its prompt cache
 *     ({@code usage.prompt_tokens_details.cached_tokens}), priced at the cached input price
 * @param kind {@value #REQUEST}, {@value #FAILED} or {@value #ATTEMPT}
 * @param error for a failed request or attempt, its error code (e.g. {@code insufficient_quota},
 *     {@code upstream_error}); empty for an answered request
 * @param followedBy for a failed attempt, what the router did next: {@code retry} (the same model
 *     again), {@code fallback} (the next model of the chain) or {@code none} (it gave up); else empty
 */
public record UsageEvent(String eventId, String requestId, Instant at, String keyId, String tenant, String model,
    String backend, long promptTokens, long completionTokens, double costUsd, String cache, boolean stream, int status,
    long latencyMs, int attempts, long cachedTokens, String kind, String error, String followedBy) {

  public static final String REQUEST = "request";
  public static final String FAILED = "failed";
  public static final String ATTEMPT = "attempt";

  public UsageEvent {
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(at, "at");
    if (promptTokens < 0 || completionTokens < 0 || costUsd < 0 || latencyMs < 0 || attempts < 0 || cachedTokens < 0) {
      throw new IllegalArgumentException("usage figures must be >= 0");
    }
    if (!REQUEST.equals(kind) && !FAILED.equals(kind) && !ATTEMPT.equals(kind)) {
      throw new IllegalArgumentException("kind must be request, failed or attempt, got " + kind);
    }
    error = error == null ? "" : error;
    followedBy = followedBy == null ? "" : followedBy;
  }

  /** An answered request. */
  public UsageEvent(String eventId, String requestId, Instant at, String keyId, String tenant, String model,
      String backend, long promptTokens, long completionTokens, double costUsd, String cache, boolean stream, int status,
      long latencyMs, int attempts, long cachedTokens) {
    this(eventId, requestId, at, keyId, tenant, model, backend, promptTokens, completionTokens, costUsd, cache, stream,
        status, latencyMs, attempts, cachedTokens, REQUEST, "", "");
  }

  /** An answered request with no cached prompt tokens. */
  public UsageEvent(String eventId, String requestId, Instant at, String keyId, String tenant, String model,
      String backend, long promptTokens, long completionTokens, double costUsd, String cache, boolean stream, int status,
      long latencyMs, int attempts) {
    this(eventId, requestId, at, keyId, tenant, model, backend, promptTokens, completionTokens, costUsd, cache, stream,
        status, latencyMs, attempts, 0);
  }
}

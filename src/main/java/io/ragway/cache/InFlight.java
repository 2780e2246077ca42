package io.ragway.cache;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Coalesces identical requests in flight: the first caller of a key computes, the ones that
 * arrive before it finishes wait for its result (or its failure) instead of calling upstream
 * again. Only for deterministic requests, whose answers are the same anyway.
 */
public final class InFlight {

  /** A result, and whether this caller waited on another's call instead of making its own. */
  public record Result(String value, boolean coalesced) {}

  private final ConcurrentHashMap<String, CompletableFuture<String>> calls = new ConcurrentHashMap<>();

  public Result run(String key, Supplier<String> call) {
    CompletableFuture<String> mine = new CompletableFuture<>();
    CompletableFuture<String> theirs = calls.putIfAbsent(key, mine);
    if (theirs != null) {
      try {
        return new Result(theirs.join(), true);
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
    try {
      String value = call.get();
      mine.complete(value);
      return new Result(value, false);
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      calls.remove(key, mine);
    }
  }

  /** Calls in flight now. */
  public int size() {
    return calls.size();
  }
}

package io.ragway.telemetry;

import io.opentelemetry.context.Context;
import java.util.function.Supplier;

/**
 * The stages of one request (auth, limit, guard, cache, embed, search, rerank, prompt, generate),
 * timed for its trace and its request log. Code deep in the request path finds the request's
 * stages with {@link #current()}, so retrieval and the RAG pipeline need no new parameters.
 */
public interface Stages {

  /** The stage names the request log and the spans ({@code ragway.<name>}) use. */
  String AUTH = "auth";
  String LIMIT = "limit";
  String GUARD_INPUT = "guard.input";
  String CACHE = "cache";
  String EMBED = "embed";
  String SEARCH = "search";
  String RERANK = "rerank";
  String PROMPT = "prompt";
  String GENERATE = "generate";
  String GUARD_OUTPUT = "guard.output";

  /** One stage in progress: close it when it ends, on the thread that started it. */
  interface Stage extends AutoCloseable {
    /** The stage failed with {@code error}: its span is marked as an error. */
    void failed(Throwable error);

    /** Sets an attribute on the stage's span, if spans are made. */
    default void attribute(String key, String value) {}

    /** Sets a numeric attribute on the stage's span, if spans are made. */
    default void attribute(String key, long value) {}

    @Override
    void close();
  }

  /** Starts the stage {@code name}; its span is the current one until it is closed. */
  Stage start(String name);

  /**
   * Starts the stage {@code name} beside others, under the request's span but not made current:
   * for work that overlaps other work (tools run side by side) or ends in another call than it starts.
   * Close it on any thread.
   */
  default Stage beside(String name) {
    return start(name);
  }

  /** Runs {@code work} as the stage {@code name}; a failure marks its span as an error and is rethrown. */
  default <T> T call(String name, Supplier<T> work) {
    Stage stage = start(name);
    try {
      return work.get();
    } catch (RuntimeException | Error e) {
      stage.failed(e);
      throw e;
    } finally {
      stage.close();
    }
  }

  /** Times nothing. */
  static Stages none() {
    return NoStages.INSTANCE;
  }

  /**
   * The stages of the request this thread is serving, or {@link #none()}. They travel in
   * OpenTelemetry's context, which is where the request's span is too: retrieval is also called
   * by the CLI and {@code /v1/search}, which time nothing.
   */
  static Stages current() {
    Stages s = Context.current().get(NoStages.KEY);
    return s == null ? NoStages.INSTANCE : s;
  }
}

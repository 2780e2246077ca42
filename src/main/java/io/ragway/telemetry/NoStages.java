package io.ragway.telemetry;

import io.opentelemetry.context.ContextKey;

/** Stages that time nothing; also the context key under which a request's stages travel. */
final class NoStages implements Stages, Stages.Stage {

  static final NoStages INSTANCE = new NoStages();
  static final ContextKey<Stages> KEY = ContextKey.named("ragway.stages");

  private NoStages() {}

  @Override
  public Stage start(String name) {
    return this;
  }

  @Override
  public Stage beside(String name) {
    return this;
  }

  @Override
  public void failed(Throwable error) {}

  @Override
  public void close() {}
}

/**
 * Replay: re-runs a recorded answer (docs/feedback.md, "Replay") and says what changed.
 *
 * <p>{@link io.ragway.replay.Replay} reads an {@link io.ragway.store.AnswerRecords.Answer}, asks its
 * question again through the same {@link io.ragway.chat.RagPipeline} the server answers with (or
 * re-asks the upstream model with the recorded parameters), with the recorded settings or the
 * current configuration's, under a trace of its own so that its stages and guard decisions are
 * measured as the request's were. {@link io.ragway.replay.ReplayDiff} compares the two sides:
 * chunks added, dropped and moved (per retrieval step), citations, the answers' similarity, guard
 * decisions, latency per stage, and the index generation.
 */
package io.ragway.replay;

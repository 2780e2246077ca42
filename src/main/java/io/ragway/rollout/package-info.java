/**
 * Safe rollouts of a model, prompt version or retrieval setting, and drift of the questions asked.
 *
 * <p>{@link io.ragway.rollout.Rollouts} is what the request path calls: {@code route} picks the arm
 * of a request (stable or candidate; a canary's callers stay on theirs by a hash of user, session or
 * key), and the returned {@link io.ragway.rollout.Ticket} tells the path which model, pipeline and
 * retrieval to answer with; the path reports abstentions and the answer, and the server settles the
 * ticket once the response is sent. Guard decisions reach the ticket through the decision log that
 * {@code watching} wraps. Each settled outcome joins its arm's sliding window; the three rules of
 * {@code RollbackRules} are read after each one, and a breach rolls the candidate back, recorded in
 * the {@link io.ragway.rollout.RolloutStore} (rows that outlive restarts), the log and the metrics.
 * Feedback on an arm's answers reaches {@code feedback}; with a thumbs-down rule, a one-sided mixture
 * SPRT over each arm's ratings ({@code MixtureSprt}) may roll the candidate back the same way.
 * Automatic rollbacks and raised drift are handed to {@link io.ragway.rollout.Rollouts.Events}
 * (the webhooks, an evaluation run).
 * A shadow candidate answers copies on virtual threads, compared by token F1. Drift monitors
 * cluster a baseline of question embeddings with k-means and compare later windows by PSI and KL.
 */
package io.ragway.rollout;

package io.ragway.guard;

import java.util.Objects;

/**
 * One check's finding on one request: what was checked, what it found, what was done, under which
 * policy version. Never holds the checked text itself, which may be personal data.
 *
 * @param check {@code injection}, {@code pii}, {@code output_pii}, {@code denied_term} or {@code json_output}
 * @param action {@code block}, {@code flag}, {@code allow}, {@code redact}, {@code mask} or {@code pseudonymise}
 * @param detail what decided it: a rule family and score, PII types and counts, a term's index, the kind
 *     and place of a JSON violation
 */
public record GuardDecision(String tenant, String check, String action, double score, String detail, String policyVersion) {
  public GuardDecision {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(policyVersion, "policyVersion");
  }
}

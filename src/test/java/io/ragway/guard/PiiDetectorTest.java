package io.ragway.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PiiDetectorTest {

  private static List<String> found(String text) {
    return PiiDetector.all().find(text).stream().map(s -> s.type() + "=" + s.value()).toList();
  }

  @Test
  void findsEachTypeWithItsExactSpan() {
    String text = "Mail jane.doe@example.co.uk or call +1-202-555-0143. Card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32,"
        + " SSN 123-45-6789, host 192.168.10.4 and 2001:db8::8a2e:370:7334.";
    assertEquals(List.of("EMAIL_ADDRESS=jane.doe@example.co.uk", "PHONE_NUMBER=+1-202-555-0143",
        "CREDIT_CARD=4111 1111 1111 1111", "IBAN_CODE=GB82 WEST 1234 5698 7654 32", "US_SSN=123-45-6789",
        "IP_ADDRESS=192.168.10.4", "IP_ADDRESS=2001:db8::8a2e:370:7334"), found(text));
    PiiSpan first = PiiDetector.all().find(text).get(0);
    assertEquals(first.value(), text.substring(first.start(), first.end()));
  }

  @Test
  void checksumsRejectLookalikes() {
    assertFalse(PiiDetector.luhn("4111 1111 1111 1112"));
    assertTrue(PiiDetector.luhn("4111111111111111"));
    assertFalse(PiiDetector.ibanValid("GB82WEST12345698765433"));
    assertTrue(PiiDetector.ibanValid("gb82west12345698765432"));
    assertEquals(List.of(), found("Order 4111 1111 1111 1112 shipped; SSN-like 666-12-3456 and 000-12-3456; IP 999.1.1.1"));
  }

  @Test
  void datesTimesAndVersionsAreNotPii() {
    assertEquals(List.of(), found("On 2024-05-17 at 10:30:00 we released version 1.2.3 of the 2.0 API."));
  }

  @Test
  void findsOnlyTheTypesAskedFor() {
    assertEquals(List.of(PiiType.EMAIL_ADDRESS), PiiDetector.of(Set.of(PiiType.EMAIL_ADDRESS))
        .find("a@b.io 123-45-6789").stream().map(PiiSpan::type).toList());
  }

  @Test
  void redactsMasksAndPseudonymisesReversibly() {
    String text = "Write to jane@example.com, then again to jane@example.com, and bob@example.org.";
    List<PiiSpan> spans = PiiDetector.all().find(text);
    assertEquals("Write to [EMAIL_ADDRESS], then again to [EMAIL_ADDRESS], and [EMAIL_ADDRESS].",
        PiiRedactor.apply(text, spans, PiiMode.REDACT, new Pseudonyms()));
    assertEquals("Card ************1111", PiiRedactor.apply("Card 4111111111111111",
        PiiDetector.all().find("Card 4111111111111111"), PiiMode.MASK, new Pseudonyms()));
    Pseudonyms p = new Pseudonyms();
    String hidden = PiiRedactor.apply(text, spans, PiiMode.PSEUDONYMISE, p);
    assertEquals("Write to <EMAIL_ADDRESS_1>, then again to <EMAIL_ADDRESS_1>, and <EMAIL_ADDRESS_2>.", hidden);
    assertEquals(text, p.restore(hidden));
    assertEquals("<PERSON_9> stays", p.restore("<PERSON_9> stays"));
  }

  @Test
  void aStreamHoldsBackAPlaceholderNotYetComplete() {
    assertEquals(9, Pseudonyms.pendingTail("Hello <EMAIL_AD"));
    assertEquals(0, Pseudonyms.pendingTail("Hello <EMAIL_ADDRESS_1> there"));
    assertEquals(0, Pseudonyms.pendingTail("1 < 2 and more"));
  }
}

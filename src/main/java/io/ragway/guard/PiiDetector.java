package io.ragway.guard;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds personal data by pattern, confirmed by checksum where the format has one (Luhn for card
 * numbers, mod-97 for IBANs) and by range where it has rules (US social security numbers, IP
 * octets). Types are found in a fixed order, the most certain first, and a later type never
 * claims characters an earlier one found: a card number is not also a phone number.
 */
public final class PiiDetector {

  private static final Pattern EMAIL = Pattern.compile(
      "(?<![\\w.+-])[\\p{L}\\p{N}._%+-]+@[\\p{L}\\p{N}-]+(?:\\.[\\p{L}\\p{N}-]+)*\\.\\p{L}{2,}(?![\\w-])");
  private static final Pattern CARD = Pattern.compile("(?<![\\d-])\\d(?:[ -]?\\d){11,18}(?![\\d-])");
  private static final Pattern IBAN = Pattern.compile(
      "(?<![\\p{Alnum}])[A-Za-z]{2}\\d{2}(?: ?[A-Za-z0-9]){11,30}(?![\\p{Alnum}])");
  private static final Pattern SSN = Pattern.compile("(?<![\\d-])(\\d{3})([- ])(\\d{2})\\2(\\d{4})(?![\\d-])");
  private static final Pattern IPV4 = Pattern.compile("(?<![\\d.])(?:\\d{1,3}\\.){3}\\d{1,3}(?![\\d.]*\\d)");
  private static final Pattern IPV6 = Pattern.compile(
      "(?<![\\p{XDigit}:])(?:[\\p{XDigit}]{0,4}:){2,7}[\\p{XDigit}]{0,4}(?![\\p{XDigit}:])");
  private static final Pattern PHONE = Pattern.compile(
      "(?<![\\w+])(?:\\+|00)?(?:\\(\\d{1,4}\\)|\\d{1,4})(?:[ .-]?\\(\\d{1,4}\\))?(?:[ .-]?\\d{2,5}){1,5}"
          + "(?:\\s?(?:x|ext\\.?)\\s?\\d{1,5})?(?![\\w])");
  private static final Pattern DATE_LIKE = Pattern.compile("\\d{4}[-./]\\d{1,2}[-./]\\d{1,2}|\\d{1,2}[-./]\\d{1,2}[-./]\\d{2,4}");

  private final Set<PiiType> types;

  private final NamedEntities names;

  private PiiDetector(Set<PiiType> types) {
    this.types = types.isEmpty() ? EnumSet.noneOf(PiiType.class) : EnumSet.copyOf(types);
    this.names = NamedEntities.needed(this.types) ? NamedEntities.shared() : null;
  }

  /** Finds every type this build can find ({@link PiiType#available()}). */
  public static PiiDetector all() {
    return new PiiDetector(PiiType.available());
  }

  /**
   * Finds only the given types.
   *
   * @throws IllegalStateException when they include names or locations and this build has no
   *     named-entity model
   */
  public static PiiDetector of(Set<PiiType> types) {
    return new PiiDetector(types);
  }

  /** The types it looks for. */
  public Set<PiiType> types() {
    return EnumSet.copyOf(types);
  }

  /** {@code text} with each piece of personal data it finds replaced by its type ({@code [EMAIL_ADDRESS]}), as redact mode does. */
  public String redact(String text) {
    return PiiRedactor.apply(text, find(text), PiiMode.REDACT, null);
  }

  /** The spans in {@code text}, in text order, never overlapping. */
  public List<PiiSpan> find(String text) {
    List<PiiSpan> found = new ArrayList<>();
    if (text.isEmpty() || types.isEmpty()) {
      return found;
    }
    boolean[] taken = new boolean[text.length()];
    if (types.contains(PiiType.EMAIL_ADDRESS)) {
      collect(text, EMAIL, PiiType.EMAIL_ADDRESS, taken, found, s -> true);
    }
    if (types.contains(PiiType.IBAN_CODE)) {
      collectIbans(text, taken, found);
    }
    if (types.contains(PiiType.CREDIT_CARD)) {
      collect(text, CARD, PiiType.CREDIT_CARD, taken, found, PiiDetector::luhn);
    }
    if (types.contains(PiiType.US_SSN)) {
      collect(text, SSN, PiiType.US_SSN, taken, found, PiiDetector::plausibleSsn);
    }
    if (types.contains(PiiType.IP_ADDRESS)) {
      collect(text, IPV4, PiiType.IP_ADDRESS, taken, found, PiiDetector::ipv4);
      collect(text, IPV6, PiiType.IP_ADDRESS, taken, found, PiiDetector::ipv6);
    }
    if (types.contains(PiiType.PHONE_NUMBER)) {
      collect(text, PHONE, PiiType.PHONE_NUMBER, taken, found, PiiDetector::plausiblePhone);
    }
    if (names != null) {
      for (PiiSpan s : names.find(text, types)) {
        if (free(taken, s.start(), s.end())) {
          take(taken, s.start(), s.end());
          found.add(s);
        }
      }
    }
    found.sort(Comparator.comparingInt(PiiSpan::start));
    return found;
  }

  private interface Check {
    boolean valid(String candidate);
  }

  private static void collect(String text, Pattern p, PiiType type, boolean[] taken, List<PiiSpan> found, Check check) {
    Matcher m = p.matcher(text);
    while (m.find()) {
      String value = m.group();
      int end = m.end();
      // trailing sentence punctuation is not part of the value
      while (end > m.start() && ".,;:".indexOf(text.charAt(end - 1)) >= 0) {
        end--;
      }
      value = text.substring(m.start(), end);
      if (!value.isEmpty() && free(taken, m.start(), end) && check.valid(value)) {
        take(taken, m.start(), end);
        found.add(new PiiSpan(type, m.start(), end, value));
      }
    }
  }

  /** An IBAN match may run into the next word; the longest prefix that passes mod-97 is the IBAN. */
  private static void collectIbans(String text, boolean[] taken, List<PiiSpan> found) {
    Matcher m = IBAN.matcher(text);
    while (m.find()) {
      for (int end = m.end(); end - m.start() >= 15; end--) {
        String candidate = text.substring(m.start(), end);
        if (!candidate.endsWith(" ") && ibanValid(candidate) && free(taken, m.start(), end)) {
          take(taken, m.start(), end);
          found.add(new PiiSpan(PiiType.IBAN_CODE, m.start(), end, candidate));
          break;
        }
      }
    }
  }

  private static boolean free(boolean[] taken, int start, int end) {
    for (int i = start; i < end; i++) {
      if (taken[i]) {
        return false;
      }
    }
    return true;
  }

  private static void take(boolean[] taken, int start, int end) {
    for (int i = start; i < end; i++) {
      taken[i] = true;
    }
  }

  static boolean luhn(String candidate) {
    String digits = candidate.replaceAll("[ -]", "");
    if (digits.length() < 12 || digits.length() > 19 || digits.chars().distinct().count() == 1) {
      return false;
    }
    int sum = 0;
    boolean twice = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      int d = digits.charAt(i) - '0';
      if (twice) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      twice = !twice;
    }
    return sum % 10 == 0;
  }

  static boolean ibanValid(String candidate) {
    String iban = candidate.replace(" ", "").toUpperCase(Locale.ROOT);
    if (iban.length() < 15 || iban.length() > 34) {
      return false;
    }
    String rearranged = iban.substring(4) + iban.substring(0, 4);
    StringBuilder digits = new StringBuilder(rearranged.length() * 2);
    for (char c : rearranged.toCharArray()) {
      if (c >= '0' && c <= '9') {
        digits.append(c);
      } else if (c >= 'A' && c <= 'Z') {
        digits.append(c - 'A' + 10);
      } else {
        return false;
      }
    }
    return new BigInteger(digits.toString()).mod(BigInteger.valueOf(97)).intValue() == 1;
  }

  /** The SSA never issues area 000, 666 or 900-999, group 00 or serial 0000. */
  private static boolean plausibleSsn(String s) {
    String digits = s.replaceAll("\\D", "");
    int area = Integer.parseInt(digits.substring(0, 3));
    return area != 0 && area != 666 && area < 900 && !digits.startsWith("00", 3) && !digits.endsWith("0000");
  }

  private static boolean ipv4(String s) {
    for (String part : s.split("\\.")) {
      if (part.length() > 1 && part.startsWith("0") || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  private static boolean ipv6(String s) {
    if (s.chars().filter(c -> c == ':').count() < 2 || s.replace(":", "").length() < 4) {
      return false; // times such as 10:30:00 have two colons but too few hex digits to be an address
    }
    if (s.matches("[\\d:]+") && !s.contains("::")) {
      return false; // all decimal groups of two: a time or a ratio
    }
    try {
      return InetAddress.getByName(s) instanceof java.net.Inet6Address; // a literal: parsed, never looked up
    } catch (UnknownHostException | SecurityException e) {
      return false;
    }
  }

  /**
   * 7 to 15 digits written as a phone number is: after a plus, a bracket or 00; in three or more
   * groups; or in two joined by a dash or dot. Two bare numbers side by side (a house number and a
   * postcode), dates and SSN-shaped numbers are not phones.
   */
  private static boolean plausiblePhone(String s) {
    long digits = s.chars().filter(Character::isDigit).count();
    if (digits < 7 || digits > 15 || DATE_LIKE.matcher(s).find() || SSN.matcher(s).matches()) {
      return false;
    }
    if (s.startsWith("+") || s.startsWith("(") || s.startsWith("00")) {
      return true;
    }
    String[] groups = s.split("[ .()-]+");
    if (groups.length >= 3) {
      return true;
    }
    return groups.length == 2 ? s.matches("\\d+[.-]\\d+") : digits >= 10 && s.startsWith("0");
  }

}

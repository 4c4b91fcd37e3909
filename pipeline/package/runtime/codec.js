/* Handbook SCORM run-time: the compact codec for suspend_data (viewed sections as a bitset).
 *
 * SCORM 1.2 caps cmi.suspend_data at 4,096 characters, so the state must fit whatever the
 * handbook's size. Three encodings, the shortest wins:
 *   "b" + base64url bitset          6 sections per character: exact up to ~24,000 sections
 *   "r" + base36 run lengths        exact and tiny for the usual reading pattern (long runs)
 *   "g" + group + "~" + bitset      one bit per group of sections, set only when the whole group
 *                                   was viewed: lossy, but never claims an unviewed section
 * Plain ES5, no libraries; usable from a browser (window.HandbookCodec) and from node (tests).
 */
(function (root) {
  "use strict";

  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  function packBits(bits) {
    var out = "";
    for (var i = 0; i < bits.length; i += 6) {
      var value = 0;
      for (var j = 0; j < 6; j++) {
        value = (value << 1) | (bits[i + j] ? 1 : 0);
      }
      out += DIGITS.charAt(value);
    }
    return out;
  }

  function unpackBits(text, count) {
    var bits = new Array(count);
    for (var i = 0; i < count; i++) {
      var value = DIGITS.indexOf(text.charAt(Math.floor(i / 6)));
      bits[i] = value > 0 && (value >> (5 - (i % 6))) & 1 ? 1 : 0;
    }
    return bits;
  }

  function runLengths(bits) {
    var runs = [], current = 0, length = 0;
    for (var i = 0; i < bits.length; i++) {
      var bit = bits[i] ? 1 : 0;
      if (bit === current) {
        length++;
      } else {
        runs.push(length.toString(36));
        current = bit;
        length = 1;
      }
    }
    runs.push(length.toString(36));
    return runs.join(".");
  }

  function fromRuns(text, count) {
    var bits = [], bit = 0, parts = text.split(".");
    for (var i = 0; i < parts.length && bits.length < count; i++) {
      var length = parseInt(parts[i], 36) || 0;
      for (var j = 0; j < length && bits.length < count; j++) {
        bits.push(bit);
      }
      bit = 1 - bit;
    }
    while (bits.length < count) {
      bits.push(0);
    }
    return bits;
  }

  function coarse(bits, group) {
    var out = [];
    for (var i = 0; i < bits.length; i += group) {
      var all = 1;
      for (var j = i; j < Math.min(i + group, bits.length); j++) {
        if (!bits[j]) { all = 0; break; }
      }
      out.push(all);
    }
    return out;
  }

  /* The shortest exact encoding, or a coarser one when even that exceeds `budget` characters. */
  function encode(bits, budget) {
    var best = "b" + packBits(bits);
    var runs = "r" + runLengths(bits);
    if (runs.length < best.length) {
      best = runs;
    }
    for (var group = 2; best.length > budget; group *= 2) {
      best = "g" + group.toString(36) + "~" + packBits(coarse(bits, group));
    }
    return best;
  }

  function decode(text, count) {
    var kind = text.charAt(0), body = text.slice(1);
    if (kind === "b") {
      return unpackBits(body, count);
    }
    if (kind === "r") {
      return fromRuns(body, count);
    }
    if (kind === "g") {
      var cut = body.indexOf("~"), group = parseInt(body.slice(0, cut), 36) || 1;
      var groups = unpackBits(body.slice(cut + 1), Math.ceil(count / group)), bits = new Array(count);
      for (var i = 0; i < count; i++) {
        bits[i] = groups[Math.floor(i / group)];
      }
      return bits;
    }
    return unpackBits("", count);
  }

  var codec = { encode: encode, decode: decode };
  root.HandbookCodec = codec;
  if (typeof module === "object" && module.exports) {
    module.exports = codec;
  }
})(typeof window !== "undefined" ? window : this);

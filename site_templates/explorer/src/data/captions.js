/**
 * Caption text and the image <-> caption mapping.
 *
 * Points: images 0..I-1, then captions I..I+C-1. captions.txt is one UTF-8 blob; caption c is
 * bytes [offsets[c], offsets[c+1]). Captions are ordered by image, so the captions of image i
 * are a contiguous run found by binary search in caption_image.
 */

/** First index in sorted `arr` whose value is >= `value`. */
export function lowerBound(arr, value) {
  let lo = 0, hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Caption indices [start, end) of image i. */
export function captionRange(captionImage, i) {
  return [lowerBound(captionImage, i), lowerBound(captionImage, i + 1)];
}

/**
 * Text store over the raw bytes. Strings are decoded on demand (hover reads a handful);
 * `lowered()` decodes all of them once, lower-cased (NFC), for search.
 */
export function createCaptions(bytes, offsets, captionImage, imageCount) {
  const decoder = new TextDecoder('utf-8');
  let lower = null;
  const store = {
    count: offsets.length - 1,
    text(c) {
      return decoder.decode(bytes.subarray(offsets[c], offsets[c + 1]));
    },
    imageOf(c) {
      return captionImage[c];
    },
    /** The image point that a point belongs to (itself for an image). */
    imageOfPoint(p) {
      return p < imageCount ? p : captionImage[p - imageCount];
    },
    /** Caption indices of image i. */
    ofImage(i) {
      const [a, b] = captionRange(captionImage, i);
      const out = [];
      for (let c = a; c < b; c++) out.push(c);
      return out;
    },
    lowered() {
      if (!lower) {
        lower = new Array(store.count);
        for (let c = 0; c < store.count; c++) lower[c] = store.text(c).normalize('NFC').toLowerCase();
      }
      return lower;
    },
  };
  return store;
}

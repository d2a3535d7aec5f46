/* The looklab CLI: replacing a PNG's colour chunks by an iCCP chunk, and
 * adding an ICCP chunk to a WebP.
 *
 * The chunk layout is the PNG specification's (3rd edition, 5.3 and
 * 11.3.3): length, type, data, CRC-32 of type and data; an iCCP chunk holds
 * a profile name, a zero byte, compression method 0 and the zlib-compressed
 * profile, and comes before PLTE and IDAT.  The WebP layout is that of the
 * WebP container specification (RFC 9649, section 2.7): RIFF chunks with
 * little-endian sizes, padded to even; an ICC profile needs the extended
 * format, a VP8X chunk (flag 0x20, the canvas size) and the ICCP chunk right
 * after it. */
#include "png-profile.h"

#include <string.h>

#include <glib/gi18n.h>
#include <zlib.h>

static const guint8 png_signature[8]
    = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static void
put_u32 (GByteArray *out, guint32 v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
  g_byte_array_append (out, b, 4);
}

static guint32
get_u32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8)
         | p[3];
}

static gboolean
append_iccp (GByteArray *out, const void *icc, gsize icc_len)
{
  static const char  name[] = "ICC profile";
  uLongf             packed_len = compressBound ((uLong) icc_len);
  g_autofree guint8 *data = NULL;
  gsize              data_len, header = sizeof name + 1;
  uLong              crc;

  if (icc_len > G_MAXUINT32 / 2)
    return FALSE;
  data = g_malloc (header + packed_len);
  memcpy (data, name, sizeof name); /* the name and its zero byte */
  data[sizeof name] = 0;            /* compression method: zlib */
  if (compress2 (data + header, &packed_len, icc, (uLong) icc_len, 9) != Z_OK)
    return FALSE;
  data_len = header + packed_len;

  put_u32 (out, (guint32) data_len);
  g_byte_array_append (out, (const guint8 *) "iCCP", 4);
  g_byte_array_append (out, data, (guint) data_len);
  crc = crc32 (0L, (const Bytef *) "iCCP", 4);
  crc = crc32 (crc, data, (uInt) data_len);
  put_u32 (out, (guint32) crc);
  return TRUE;
}

gboolean
looklab_png_set_profile (const char *path, const void *icc, gsize icc_len,
                         GError **error)
{
  g_autofree guint8 *file = NULL;
  g_autoptr (GByteArray) out = NULL;
  gsize    len = 0, pos;
  gboolean wrote_iccp = FALSE;

  if (!g_file_get_contents (path, (char **) &file, &len, error))
    return FALSE;
  if (len < sizeof png_signature
      || memcmp (file, png_signature, sizeof png_signature) != 0)
    goto bad;

  out = g_byte_array_sized_new ((guint) MIN (len + icc_len, G_MAXUINT));
  g_byte_array_append (out, file, sizeof png_signature);
  for (pos = sizeof png_signature; pos < len;)
    {
      guint32     chunk_len;
      const char *type;
      gsize       whole;

      if (len - pos < 12)
        goto bad;
      chunk_len = get_u32 (file + pos);
      type = (const char *) file + pos + 4;
      if (chunk_len > len - pos - 12)
        goto bad;
      whole = (gsize) chunk_len + 12;
      if (memcmp (type, "sRGB", 4) != 0 && memcmp (type, "gAMA", 4) != 0
          && memcmp (type, "cHRM", 4) != 0 && memcmp (type, "iCCP", 4) != 0)
        g_byte_array_append (out, file + pos, (guint) whole);
      pos += whole;
      if (memcmp (type, "IHDR", 4) == 0 && !wrote_iccp)
        {
          if (!append_iccp (out, icc, icc_len))
            goto bad;
          wrote_iccp = TRUE;
        }
    }
  if (!wrote_iccp)
    goto bad;
  return g_file_set_contents (path, (const char *) out->data, out->len, error);

bad:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
               _ ("%s: cannot embed the colour profile in the PNG written"),
               path);
  return FALSE;
}

static void
put_le (guint8 *p, guint32 v, int n)
{
  int i;

  for (i = 0; i < n; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static guint32
get_le (const guint8 *p, int n)
{
  guint32 v = 0;
  int     i;

  for (i = n - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

gboolean
looklab_webp_set_profile (const char *path, const void *icc, gsize icc_len,
                          GError **error)
{
  g_autofree guint8 *file = NULL;
  g_autoptr (GByteArray) out = NULL;
  guint8   vp8x[18] = "VP8X", iccp_head[8] = "ICCP", pad = 0;
  gsize    len = 0, rest;
  guint32  width, height;
  gboolean extended;

  if (!g_file_get_contents (path, (char **) &file, &len, error))
    return FALSE;
  if (len < 30 || memcmp (file, "RIFF", 4) != 0
      || memcmp (file + 8, "WEBP", 4) != 0 || icc_len > G_MAXUINT32 / 2)
    goto bad;
  extended = memcmp (file + 12, "VP8X", 4) == 0;
  if (extended)
    {
      memcpy (vp8x, file + 12, sizeof vp8x);
      vp8x[8] |= 0x20;
      rest = 12 + sizeof vp8x;
    }
  else
    {
      if (memcmp (file + 12, "VP8L", 4) == 0)
        {
          /* After the 0x2f signature: 14 bits width - 1, 14 height - 1. */
          guint32 b = get_le (file + 21, 4);
          width = (b & 0x3fff) + 1;
          height = ((b >> 14) & 0x3fff) + 1;
        }
      else if (memcmp (file + 12, "VP8 ", 4) == 0)
        {
          /* A key frame: 3-byte tag, 3-byte start code, 14-bit sizes. */
          width = get_le (file + 26, 2) & 0x3fff;
          height = get_le (file + 28, 2) & 0x3fff;
        }
      else
        goto bad;
      put_le (vp8x + 4, 10, 4);
      vp8x[8] = 0x20;
      put_le (vp8x + 12, width - 1, 3);
      put_le (vp8x + 15, height - 1, 3);
      rest = 12;
    }

  out = g_byte_array_sized_new ((guint) (len + icc_len + 64));
  g_byte_array_append (out, file, 12);
  g_byte_array_append (out, vp8x, sizeof vp8x);
  put_le (iccp_head + 4, (guint32) icc_len, 4);
  g_byte_array_append (out, iccp_head, sizeof iccp_head);
  g_byte_array_append (out, icc, (guint) icc_len);
  if (icc_len & 1)
    g_byte_array_append (out, &pad, 1);
  /* Whatever followed (an older ICCP is dropped: there is none from GEGL). */
  g_byte_array_append (out, file + rest, (guint) (len - rest));
  put_le (out->data + 4, out->len - 8, 4);
  return g_file_set_contents (path, (const char *) out->data, out->len, error);

bad:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
               _ ("%s: cannot embed the colour profile in the WebP written"),
               path);
  return FALSE;
}

/* The looklab CLI: input files checked before decoding (image-check.h). */
#include "image-check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <zlib.h>

#ifdef LOOKLAB_HAVE_LIBEXIF
#include <libexif/exif-data.h>
#endif

gboolean
looklab_cli_check_input (const char *path, GError **error)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      if (saved == ENOENT)
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                     _ ("%s: no such file"), path);
      else
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                     "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                   _ ("%s: is a folder, not a file"), path);
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _ ("%s: not a regular file (a FIFO, socket or device)"),
                   path);
      return FALSE;
    }
  return TRUE;
}

gboolean
looklab_cli_same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;

  return g_stat (a, &sa) == 0 && g_stat (b, &sb) == 0 && sa.st_dev == sb.st_dev
         && sa.st_ino == sb.st_ino;
}

static void
set_truncated (GError **error, const char *path)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
               _ ("%s: truncated image: the file ends before the image does"),
               path);
}

static void
set_damaged (GError **error, const char *path)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
               _ ("%s: damaged image: its structure is broken"), path);
}

/* The size limit (image-io.h), checked by the header as soon as it is
 * read; the message is image-io.c's. */
static gboolean
size_allowed (const char *path, guint64 width, guint64 height, GError **error)
{
  if (width * height <= (guint64) LOOKLAB_CLI_MAX_PIXELS)
    return TRUE;
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
               /* TRANSLATORS: the last number is the limit in megapixels */
               _ ("%s: %d x %d pixels is more than the limit of %d megapixels"),
               path, (int) MIN (width, G_MAXINT), (int) MIN (height, G_MAXINT),
               (int) (LOOKLAB_CLI_MAX_PIXELS / 1000000));
  return FALSE;
}

static guint32
get_be32 (const guchar *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8)
         | p[3];
}

/* The bytes a PNG's IDAT stream inflates to: each row of each pass is a
 * filter byte plus its packed pixels (PNG spec, 2nd ed., 7.2 and 8.2). */
static guint64
png_raw_bytes (guint32 width, guint32 height, guint bits_per_pixel,
               gboolean interlaced)
{
  static const guint pass[7][4] = {
    /* x0, y0, dx, dy: Adam7 */
    { 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 },
    { 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 },
  };
  guint64 total = 0;
  int     p;

  if (!interlaced)
    return (guint64) height * (1 + ((guint64) width * bits_per_pixel + 7) / 8);
  for (p = 0; p < 7; p++)
    {
      guint64 w = width > pass[p][0]
                      ? (width - pass[p][0] + pass[p][2] - 1) / pass[p][2]
                      : 0;
      guint64 h = height > pass[p][1]
                      ? (height - pass[p][1] + pass[p][3] - 1) / pass[p][3]
                      : 0;
      if (w > 0 && h > 0)
        total += h * (1 + (w * bits_per_pixel + 7) / 8);
    }
  return total;
}

/* Bits per pixel of PNG colour type @type at @depth, or 0 when the pair is
 * not allowed (PNG spec, table 11.1). */
static guint
png_bits_per_pixel (guint type, guint depth)
{
  switch (type)
    {
      case 0:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8
                       || depth == 16
                   ? depth
                   : 0;
      case 3:
        return depth == 1 || depth == 2 || depth == 4 || depth == 8 ? depth : 0;
      case 2: return depth == 8 || depth == 16 ? 3 * depth : 0;
      case 4: return depth == 8 || depth == 16 ? 2 * depth : 0;
      case 6: return depth == 8 || depth == 16 ? 4 * depth : 0;
    }
  return 0;
}

static gboolean
check_png (FILE *f, const char *path, GError **error)
{
  guchar      head[8], chunk[8], crc_bytes[4], tmp[13] = { 0 };
  guchar     *buf = NULL, *out = NULL;
  const gsize buf_size = 1 << 16;
  z_stream    z;
  gboolean    ok = FALSE, seen_ihdr = FALSE, seen_idat = FALSE;
  gboolean    stream_end = FALSE, z_ready = FALSE;
  guint64     needed = 0, produced = 0;
  guint32     width = 0, height = 0;

  if (fread (head, 1, 8, f) != 8)
    {
      set_truncated (error, path);
      return FALSE;
    }
  memset (&z, 0, sizeof z);
  if (inflateInit (&z) != Z_OK)
    {
      set_damaged (error, path);
      return FALSE;
    }
  z_ready = TRUE;
  buf = g_malloc (buf_size);
  out = g_malloc (buf_size);

  for (;;)
    {
      guint32  len, left, crc;
      gboolean is_idat;

      if (fread (chunk, 1, 8, f) != 8)
        {
          set_truncated (error, path);
          goto out;
        }
      len = get_be32 (chunk);
      if (len > 0x7fffffffu || (!seen_ihdr && memcmp (chunk + 4, "IHDR", 4)))
        {
          set_damaged (error, path);
          goto out;
        }
      is_idat = memcmp (chunk + 4, "IDAT", 4) == 0;
      crc = crc32 (0, chunk + 4, 4);
      for (left = len; left > 0;)
        {
          guint32 n = left < buf_size ? left : (guint32) buf_size;

          if (fread (buf, 1, n, f) != n)
            {
              set_truncated (error, path);
              goto out;
            }
          crc = crc32 (crc, buf, n);
          if (!seen_ihdr && len == 13)
            memcpy (tmp, buf, 13);
          left -= n;
          if (!is_idat || stream_end)
            continue;
          /* Inflating the stream is what proves the pixels are there: a
           * stream cut short or corrupt fails here, in 128 KiB of memory,
           * instead of in the decoder after the image is allocated. */
          z.next_in = buf;
          z.avail_in = n;
          do
            {
              int ret;

              z.next_out = out;
              z.avail_out = (uInt) buf_size;
              ret = inflate (&z, Z_NO_FLUSH);
              produced += buf_size - z.avail_out;
              if (ret == Z_STREAM_END)
                {
                  stream_end = TRUE;
                  break;
                }
              if (ret != Z_OK && ret != Z_BUF_ERROR)
                {
                  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                               _ ("%s: damaged image: its compressed data is "
                                  "corrupt"),
                               path);
                  goto out;
                }
            }
          while (z.avail_in > 0 || z.avail_out == 0);
        }
      if (fread (crc_bytes, 1, 4, f) != 4)
        {
          set_truncated (error, path);
          goto out;
        }
      if (get_be32 (crc_bytes) != (guint32) crc)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       _ ("%s: damaged image: the checksum of its %.4s chunk "
                          "does not match"),
                       path, (const char *) chunk + 4);
          goto out;
        }
      if (!seen_ihdr)
        {
          guint bpp;

          if (len != 13)
            {
              set_damaged (error, path);
              goto out;
            }
          seen_ihdr = TRUE;
          width = get_be32 (tmp);
          height = get_be32 (tmp + 4);
          bpp = png_bits_per_pixel (tmp[9], tmp[8]);
          if (width == 0 || height == 0 || width > G_MAXINT || height > G_MAXINT
              || bpp == 0 || tmp[12] > 1)
            {
              set_damaged (error, path);
              goto out;
            }
          if (!size_allowed (path, width, height, error))
            goto out;
          needed = png_raw_bytes (width, height, bpp, tmp[12] == 1);
        }
      seen_idat = seen_idat || is_idat;
      if (memcmp (chunk + 4, "IEND", 4) == 0)
        break;
    }

  if (!seen_idat || produced < needed)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   /* TRANSLATORS: the image's pixel data is shorter than
                      its size needs; numbers are bytes, then the size */
                   _ ("%s: truncated or damaged image: its data holds %llu of "
                      "the %llu bytes that %u x %u pixels need"),
                   path, (unsigned long long) produced,
                   (unsigned long long) needed, width, height);
      goto out;
    }
  ok = TRUE;

out:
  if (z_ready)
    inflateEnd (&z);
  g_free (buf);
  g_free (out);
  return ok;
}

/* Whether JPEG marker @m stands alone, without a length (ITU T.81 B.1.1.3
 * and table B.1: SOI, EOI, RSTn, TEM). */
static gboolean
jpeg_marker_alone (int m)
{
  return m == 0xd8 || m == 0xd9 || m == 0x01 || (m >= 0xd0 && m <= 0xd7);
}

/* Reads @n bytes of @f into nowhere; FALSE at the end of the file. */
static gboolean
skip_bytes (FILE *f, long n)
{
  for (; n > 0; n--)
    if (getc (f) == EOF)
      return FALSE;
  return TRUE;
}

static gboolean
check_jpeg (FILE *f, const char *path, GError **error)
{
  guint64  coded = 0;
  int      sof = -1, width = 0, height = 0, c, m = -1;
  gboolean seen_sos = FALSE;

  if (getc (f) != 0xff || getc (f) != 0xd8)
    {
      set_damaged (error, path);
      return FALSE;
    }
  for (;;)
    {
      long len;

      if (m < 0)
        {
          /* A marker: 0xFF, maybe fill bytes 0xFF, then its code.  Other
           * bytes before it are skipped, as libjpeg does with a warning
           * ("extraneous bytes before marker"): some cameras pad that way
           * and the image is whole. */
          do
            c = getc (f);
          while (c != 0xff && c != EOF);
          if (c == EOF)
            break;
          while ((m = getc (f)) == 0xff)
            ;
          if (m == 0) /* 0xFF 0x00 outside a scan: no marker, skip it */
            {
              m = -1;
              continue;
            }
          if (m == EOF)
            break;
        }
      if (m == 0xd9) /* EOI */
        {
          if (!seen_sos)
            {
              set_damaged (error, path);
              return FALSE;
            }
          /* Huffman-coded frames (SOF0..SOF3) spend at least one bit on
           * every 8 x 8 block: the DC code of each block of the full-size
           * component (T.81 F.1.2.1, G.1.2.1).  Arithmetic coding can go
           * far below that, so it is not bounded. */
          if (sof <= 0xc3
              && coded * 8 < (guint64) ((width + 7) / 8)
                                 * (guint64) ((height + 7) / 8))
            {
              g_set_error (
                  error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                  _ ("%s: truncated or damaged image: %llu bytes of coded "
                     "data cannot hold %d x %d pixels"),
                  path, (unsigned long long) coded, width, height);
              return FALSE;
            }
          return TRUE;
        }
      if (jpeg_marker_alone (m))
        {
          m = -1;
          continue;
        }
      c = getc (f);
      len = getc (f);
      if (c == EOF || len == EOF)
        break;
      len = (len | (c << 8)) - 2;
      if (len < 0)
        {
          set_damaged (error, path);
          return FALSE;
        }
      /* SOFn: C0..CF but DHT (C4), JPG (C8) and DAC (CC). */
      if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc)
        {
          guchar b[5];

          if (len < 6 || sof >= 0)
            {
              set_damaged (error, path);
              return FALSE;
            }
          if (fread (b, 1, 5, f) != 5)
            break;
          sof = m;
          height = (b[1] << 8) | b[2];
          width = (b[3] << 8) | b[4];
          if (width == 0 || height == 0) /* DNL: libjpeg refuses it too */
            {
              set_damaged (error, path);
              return FALSE;
            }
          if (!size_allowed (path, width, height, error))
            return FALSE;
          len -= 5;
        }
      if (!skip_bytes (f, len))
        break;
      if (m != 0xda) /* SOS: a scan's coded data follows its header */
        {
          m = -1;
          continue;
        }
      if (sof < 0)
        {
          set_damaged (error, path);
          return FALSE;
        }
      seen_sos = TRUE;
      for (m = -1; m < 0;)
        {
          c = getc (f);
          if (c == EOF)
            break;
          if (c != 0xff)
            {
              coded++;
              continue;
            }
          while ((c = getc (f)) == 0xff)
            ;
          if (c == EOF)
            break;
          if (c == 0) /* a stuffed 0xFF data byte */
            coded++;
          else if (c < 0xd0 || c > 0xd7) /* not RSTn: the scan ends */
            m = c;
        }
      if (m < 0)
        break;
    }
  set_truncated (error, path);
  return FALSE;
}

/* Skips blanks and '#' comments of a PNM header (netpbm's ppm(5)). */
static int
pnm_skip_blanks (FILE *f)
{
  int c;

  for (;;)
    {
      c = getc (f);
      if (c == '#')
        while (c != '\n' && c != EOF)
          c = getc (f);
      else if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        return c;
    }
}

static gboolean
pnm_number (FILE *f, guint64 *v)
{
  int c = pnm_skip_blanks (f);

  if (!g_ascii_isdigit (c))
    return FALSE;
  for (*v = 0; g_ascii_isdigit (c) && *v < G_MAXUINT32; c = getc (f))
    *v = *v * 10 + (guint64) (c - '0');
  /* One blank ends the number; after maxval it is the last header byte. */
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static gboolean
check_pnm (FILE *f, const char *path, GError **error)
{
  guint64  width, height, maxval, need;
  GStatBuf st;
  char     magic[2];
  long     data_at;

  if (fread (magic, 1, 2, f) != 2 || !pnm_number (f, &width)
      || !pnm_number (f, &height) || !pnm_number (f, &maxval) || width == 0
      || height == 0 || maxval == 0 || maxval > 65535)
    {
      set_damaged (error, path);
      return FALSE;
    }
  if (!size_allowed (path, width, height, error))
    return FALSE;
  data_at = ftell (f);
  need = width * height * (magic[1] == '6' ? 3 : 1) * (maxval > 255 ? 2 : 1);
  if (data_at < 0 || g_stat (path, &st) != 0
      || (guint64) st.st_size - (guint64) data_at < need)
    {
      set_truncated (error, path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_webp (FILE *f, const char *path, GError **error)
{
  guchar   head[8];
  GStatBuf st;

  if (fread (head, 1, 8, f) != 8 || g_stat (path, &st) != 0)
    {
      set_truncated (error, path);
      return FALSE;
    }
  /* RIFF: the size after the first 8 bytes, little-endian. */
  if ((guint64) st.st_size
      < 8
            + ((guint64) head[4] | ((guint64) head[5] << 8)
               | ((guint64) head[6] << 16) | ((guint64) head[7] << 24)))
    {
      set_truncated (error, path);
      return FALSE;
    }
  return TRUE;
}

gboolean
looklab_image_check_complete (const char *path, GError **error)
{
  guchar   head[12];
  gsize    got;
  gboolean ok = TRUE;
  FILE    *f = g_fopen (path, "rb");

  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  got = fread (head, 1, sizeof head, f);
  rewind (f);
  if (got >= 8 && memcmp (head, "\x89PNG\r\n\x1a\n", 8) == 0)
    ok = check_png (f, path, error);
  else if (got >= 3 && memcmp (head, "\xff\xd8\xff", 3) == 0)
    ok = check_jpeg (f, path, error);
  else if (got >= 2 && head[0] == 'P' && (head[1] == '5' || head[1] == '6'))
    ok = check_pnm (f, path, error);
  else if (got >= 12 && memcmp (head, "RIFF", 4) == 0
           && memcmp (head + 8, "WEBP", 4) == 0)
    ok = check_webp (f, path, error);
  fclose (f);
  return ok;
}

int
looklab_image_exif_orientation (const char *path)
{
#ifdef LOOKLAB_HAVE_LIBEXIF
  ExifData  *exif;
  ExifEntry *entry;
  guchar     head[3];
  int        orientation = 1;
  FILE      *f = g_fopen (path, "rb");

  /* JPEG only: libexif's loader reads EXIF from JPEG APP1 segments. */
  if (f == NULL)
    return 1;
  if (fread (head, 1, 3, f) != 3 || memcmp (head, "\xff\xd8\xff", 3) != 0)
    {
      fclose (f);
      return 1;
    }
  fclose (f);
  exif = exif_data_new_from_file (path);
  if (exif == NULL)
    return 1;
  /* IFD0 only: IFD1 describes the thumbnail. */
  entry = exif_content_get_entry (exif->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
  if (entry != NULL && entry->format == EXIF_FORMAT_SHORT
      && entry->components >= 1 && entry->size >= 2)
    orientation = exif_get_short (entry->data, exif_data_get_byte_order (exif));
  exif_data_unref (exif);
  return orientation >= 1 && orientation <= 8 ? orientation : 1;
#else
  (void) path;
  return 1;
#endif
}

gboolean
looklab_image_apply_orientation (LookLabImage **image, const char *path,
                                 GError **error)
{
  const LookLabImage *src = *image;
  LookLabImage       *dst;
  int                 orientation = looklab_image_exif_orientation (path);
  int                 sw = src->view.width, sh = src->view.height, dw, dh, x, y;
  gsize               bpp = looklab_pixel_format_bytes (src->view.format);
  gboolean            swap;

  if (orientation == 1)
    return TRUE;
  /* 5..8 exchange width and height (EXIF 2.32, tag 274). */
  swap = orientation >= 5;
  dw = swap ? sh : sw;
  dh = swap ? sw : sh;
  dst = looklab_image_new (dw, dh, src->view.format, src->space);
  if (dst == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                   _ ("%s: not enough memory to turn the image upright (EXIF "
                      "orientation)"),
                   path);
      return FALSE;
    }
  for (y = 0; y < dh; y++)
    {
      guchar *row = (guchar *) dst->data + (gsize) y * dst->view.stride;

      for (x = 0; x < dw; x++)
        {
          int sx, sy;

          /* Where displayed pixel (x, y) is stored. */
          switch (orientation)
            {
              case 2: sx = sw - 1 - x, sy = y; break;          /* mirror */
              case 3: sx = sw - 1 - x, sy = sh - 1 - y; break; /* 180 */
              case 4: sx = x, sy = sh - 1 - y; break;          /* flip */
              case 5: sx = y, sy = x; break;                   /* transpose */
              case 6: sx = y, sy = sh - 1 - x; break;          /* 90 cw */
              case 7: sx = sw - 1 - y, sy = sh - 1 - x; break; /* transverse */
              default: sx = sw - 1 - y, sy = x; break;         /* 8: 90 ccw */
            }
          memcpy (row + (gsize) x * bpp,
                  (const guchar *) src->data + (gsize) sy * src->view.stride
                      + (gsize) sx * bpp,
                  bpp);
        }
    }
  looklab_image_free (*image);
  *image = dst;
  return TRUE;
}

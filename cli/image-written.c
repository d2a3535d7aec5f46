/* The looklab CLI: checking that a written image file is complete.
 *
 * Only the structure is read (chunk lengths, offset tables, end markers),
 * never the pixels: a few pages of a large file.  The layouts are those of
 * the PNG specification (3rd ed., 5.3 chunk layout), TIFF 6.0 (section 2,
 * image file directories), the OpenEXR file layout ("OpenEXR File Layout",
 * header attributes and the line offset table), JPEG (ITU T.81, B.1.1.3:
 * an image ends with the EOI marker) and RIFF (WebP container: the RIFF
 * size covers the rest of the file).
 */
/* memfd_create () */
#define _GNU_SOURCE

#include "image-written.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>

static guint32
be32 (const guchar *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8
         | p[3];
}

static guint32
le32 (const guchar *p)
{
  return (guint32) p[3] << 24 | (guint32) p[2] << 16 | (guint32) p[1] << 8
         | p[0];
}

static guint64
le64 (const guchar *p)
{
  return (guint64) le32 (p + 4) << 32 | le32 (p);
}

/* Chunk after chunk to IEND, which must end the file. */
static gboolean
png_complete (const guchar *p, guint64 size)
{
  guint64 pos = 8;

  if (size < 8 || memcmp (p, "\x89PNG\r\n\x1a\n", 8) != 0)
    return FALSE;
  while (pos + 12 <= size)
    {
      guint32 len = be32 (p + pos);
      int     i;

      if (len > 0x7fffffffu)
        return FALSE;
      for (i = 4; i < 8; i++)
        if (!g_ascii_isalpha (p[pos + i]))
          return FALSE; /* not a chunk: a gap or garbage */
      if (pos + 12 + len > size)
        return FALSE;
      if (memcmp (p + pos + 4, "IEND", 4) == 0)
        return pos + 12 + len == size;
      pos += 12 + (guint64) len;
    }
  return FALSE;
}

static gboolean
jpeg_complete (const guchar *p, guint64 size)
{
  return size >= 4 && p[0] == 0xff && p[1] == 0xd8 && p[size - 2] == 0xff
         && p[size - 1] == 0xd9;
}

static gboolean
webp_complete (const guchar *p, guint64 size)
{
  return size >= 12 && memcmp (p, "RIFF", 4) == 0
         && memcmp (p + 8, "WEBP", 4) == 0
         && (guint64) le32 (p + 4) + 8 == size;
}

typedef struct
{
  const guchar *p;
  guint64       size;
  gboolean      le;
} Tiff;

static guint32
tiff32 (const Tiff *t, guint64 at)
{
  return t->le ? le32 (t->p + at) : be32 (t->p + at);
}

static guint32
tiff16 (const Tiff *t, guint64 at)
{
  return t->le ? (guint32) t->p[at] | (guint32) t->p[at + 1] << 8
               : (guint32) t->p[at] << 8 | t->p[at + 1];
}

/* Bytes of one value of TIFF field type @type (TIFF 6.0 section 2, plus
 * the 64-bit types of BigTIFF), 0 when unknown. */
static guint
tiff_type_size (guint type)
{
  static const guint sizes[]
      = { 0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8 };
  return type < G_N_ELEMENTS (sizes) ? sizes[type] : 0;
}

/* Value @i of an offsets or counts field (SHORT or LONG). */
static gboolean
tiff_value (const Tiff *t, guint64 entry, guint32 i, guint64 *value)
{
  guint   type = tiff16 (t, entry + 2);
  guint32 count = tiff32 (t, entry + 4);
  guint   each = type == 3 ? 2 : type == 4 ? 4 : 0;
  guint64 at;

  if (each == 0 || i >= count)
    return FALSE;
  at = (guint64) count * each <= 4 ? entry + 8 : tiff32 (t, entry + 8);
  at += (guint64) i * each;
  if (at + each > t->size)
    return FALSE;
  *value = each == 2 ? tiff16 (t, at) : tiff32 (t, at);
  return TRUE;
}

/* Every directory, every out-of-line value and every strip or tile lies
 * within the file.  libtiff writes the directory after the pixels, so a
 * file cut short has none, or one that points past the end. */
static gboolean
tiff_complete (const guchar *p, guint64 size)
{
  Tiff    t = { p, size, size >= 2 && p[0] == 'I' };
  guint64 ifd;
  int     n_ifd = 0;

  if (size < 8 || !(memcmp (p, "II", 2) == 0 || memcmp (p, "MM", 2) == 0))
    return FALSE;
  if (tiff16 (&t, 2) == 43)
    return TRUE; /* BigTIFF: GEGL writes classic TIFF; not checked */
  if (tiff16 (&t, 2) != 42)
    return FALSE;
  for (ifd = tiff32 (&t, 4); ifd != 0; n_ifd++)
    {
      guint64 offsets = 0, counts = 0, e;
      guint32 n, i, n_parts;

      if (n_ifd == 64 || ifd + 2 > size)
        return FALSE;
      n = tiff16 (&t, ifd);
      if (ifd + 2 + 12 * (guint64) n + 4 > size)
        return FALSE;
      for (i = 0; i < n; i++)
        {
          guint   tag, each;
          guint64 bytes;

          e = ifd + 2 + 12 * (guint64) i;
          tag = tiff16 (&t, e);
          each = tiff_type_size (tiff16 (&t, e + 2));
          bytes = (guint64) tiff32 (&t, e + 4) * each;
          if (bytes > 4 && (guint64) tiff32 (&t, e + 8) + bytes > size)
            return FALSE;
          if (tag == 273 || tag == 324) /* StripOffsets, TileOffsets */
            offsets = e;
          else if (tag == 279 || tag == 325) /* the byte counts */
            counts = e;
        }
      if (offsets == 0 || counts == 0)
        return FALSE;
      n_parts = tiff32 (&t, offsets + 4);
      if (n_parts == 0 || n_parts != tiff32 (&t, counts + 4))
        return FALSE;
      for (i = 0; i < n_parts; i++)
        {
          guint64 off, len;

          if (!tiff_value (&t, offsets, i, &off)
              || !tiff_value (&t, counts, i, &len) || off + len > size)
            return FALSE;
        }
      ifd = tiff32 (&t, ifd + 2 + 12 * (guint64) n);
    }
  return n_ifd > 0;
}

/* Scan lines per chunk of each OpenEXR compression (its header's
 * "compression" attribute, 0..9). */
static const int exr_lines[] = { 1, 1, 1, 16, 32, 16, 32, 32, 32, 256 };

/* The header ends, the line offset table is filled in (OpenEXR writes it
 * last, over zeros) and every chunk it points to lies within the file. */
static gboolean
exr_complete (const guchar *p, guint64 size)
{
  guint64 pos = 8, table, n, i;
  gint64  ymin = 0, ymax = -1;
  int     compression = -1;
  guint32 flags;

  if (size < 8 || memcmp (p, "v/1\x01", 4) != 0)
    return FALSE;
  flags = le32 (p + 4);
  /* Tiled, deep and multi-part files have other tables; GEGL's exr-save
   * writes a single-part scan-line file unless told to tile. */
  if (flags & (0x200 | 0x800 | 0x1000))
    return TRUE;
  for (;;)
    {
      const guchar *name, *type;
      gsize         name_len, type_len;
      guint32       len;

      if (pos >= size)
        return FALSE;
      if (p[pos] == 0)
        break; /* the header's end */
      name = p + pos;
      name_len = strnlen ((const char *) name, MIN (size - pos, 256));
      pos += name_len + 1;
      if (pos >= size)
        return FALSE;
      type = p + pos;
      type_len = strnlen ((const char *) type, MIN (size - pos, 256));
      pos += type_len + 1;
      if (pos + 4 > size)
        return FALSE;
      len = le32 (p + pos);
      pos += 4;
      if (pos + len > size)
        return FALSE;
      if (name_len == 10 && memcmp (name, "dataWindow", 10) == 0 && len == 16)
        {
          ymin = (gint32) le32 (p + pos + 4);
          ymax = (gint32) le32 (p + pos + 12);
        }
      else if (name_len == 11 && memcmp (name, "compression", 11) == 0
               && len == 1)
        compression = p[pos];
      (void) type_len;
      pos += len;
    }
  table = pos + 1;
  if (ymax < ymin || compression < 0)
    return FALSE;
  if (compression >= (int) G_N_ELEMENTS (exr_lines))
    return TRUE; /* a newer compression: chunk size unknown, not checked */
  n = (guint64) (ymax - ymin + exr_lines[compression])
      / (guint64) exr_lines[compression];
  if (table + 8 * n > size)
    return FALSE;
  for (i = 0; i < n; i++)
    {
      guint64 off = le64 (p + table + 8 * i);
      guint32 len;

      if (off < table + 8 * n || off > size - 8)
        return FALSE;
      len = le32 (p + off + 4);
      if (len > 0x7fffffffu || off + 8 + len > size)
        return FALSE;
    }
  return TRUE;
}

static gboolean
structure_complete (const guchar *p, guint64 size, const char *saver)
{
  if (g_strcmp0 (saver, "gegl:png-save") == 0)
    return png_complete (p, size);
  if (g_strcmp0 (saver, "gegl:tiff-save") == 0)
    return tiff_complete (p, size);
  if (g_strcmp0 (saver, "gegl:exr-save") == 0)
    return exr_complete (p, size);
  if (g_strcmp0 (saver, "gegl:jpg-save") == 0)
    return jpeg_complete (p, size);
  if (g_strcmp0 (saver, "gegl:webp-save") == 0)
    return webp_complete (p, size);
  return size > 0;
}

gboolean
looklab_image_check_written (const char *path, const char *saver,
                             GError **error)
{
  struct stat st;
  void       *map = MAP_FAILED;
  gboolean    ok = FALSE;
  int         fd = open (path, O_RDWR | O_CLOEXEC), errnum = 0;

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      errnum = errno;
      goto out;
    }
  if (st.st_size > 0)
    map = mmap (NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map != MAP_FAILED)
    {
      ok = structure_complete (map, (guint64) st.st_size, saver);
      munmap (map, (size_t) st.st_size);
    }
  if (!ok)
    {
      /* Why did the saver stop?  A write at the end tells, now. */
      if (pwrite (fd, "", 1, st.st_size) < 0)
        errnum = errno;
      goto out;
    }
  /* Errors a file system reports late (NFS, quotas) come with fsync. */
  if (fsync (fd) != 0)
    {
      errnum = errno;
      ok = FALSE;
    }

out:
  if (fd >= 0 && close (fd) != 0 && ok)
    {
      errnum = errno;
      ok = FALSE;
    }
  if (!ok && errnum != 0)
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errnum), "%s",
                 g_strerror (errnum));
  else if (!ok)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "%s",
                 _ ("the file written is incomplete"));
  return ok;
}

void
looklab_stderr_capture_begin (LookLabStderrCapture *c)
{
  c->saved = c->capture = -1;
  fflush (stderr);
  c->capture = memfd_create ("looklab-stderr", MFD_CLOEXEC);
  if (c->capture < 0)
    return;
  c->saved = dup (STDERR_FILENO);
  if (c->saved < 0 || dup2 (c->capture, STDERR_FILENO) < 0)
    {
      if (c->saved >= 0)
        close (c->saved);
      close (c->capture);
      c->saved = c->capture = -1;
    }
}

void
looklab_stderr_capture_end (LookLabStderrCapture *c, gboolean replay)
{
  static const char noise[]
      = "libpng warning: Ignoring attempt to write 16-bit bKGD chunk";
  struct stat st;

  if (c->saved < 0)
    return;
  fflush (stderr);
  dup2 (c->saved, STDERR_FILENO);
  close (c->saved);
  if (replay && fstat (c->capture, &st) == 0 && st.st_size > 0)
    {
      g_autofree char *text = g_malloc ((gsize) st.st_size + 1);
      ssize_t          got = pread (c->capture, text, (size_t) st.st_size, 0);
      char            *line, *next;

      text[got > 0 ? got : 0] = '\0';
      for (line = text; *line != '\0'; line = next)
        {
          next = strchr (line, '\n');
          next = next != NULL ? next + 1 : line + strlen (line);
          if (strncmp (line, noise, sizeof noise - 1) != 0)
            fwrite (line, 1, (size_t) (next - line), stderr);
        }
    }
  close (c->capture);
  c->saved = c->capture = -1;
}

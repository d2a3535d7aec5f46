/* LookLab core: the look file.
 *
 * Look file format, versions 1 to 4.  All integers little-endian, floats
 * IEEE 754 binary32/binary64 little-endian; no padding.  A look is written
 * in the lowest version that holds it: version 1 (the bytes the first
 * LookLabs wrote) without spatial parts or curves; version 2 with spatial
 * parts, which it adds between the lattice and the checksum; version 3
 * when it has per-channel curves (flags bit 1), with the layout of version
 * 2 and 0, 1 or 2 spatial parts; version 4 when it has a position field
 * (part type 3), with the layout of version 3 and 0 to 3 parts.
 *
 *   offset  size  field
 *   0       8     magic "LOOKLAB" 0x1A
 *   8       4     u32 version (1..4; a reader refuses larger ones)
 *   12      2     u16 hidden: units per hidden layer, 4..256
 *   14      2     u16 layers: hidden layers, 1..4
 *   16      1     u8  activation: 0 tanh, 1 SiLU (x sigmoid x)
 *   17      1     u8  encoding: 0 (the network sees 2 x - 1, x the clamped
 *                     input in [0, 1])
 *   18      1     u8  correction lattice edge K: 0 (none) or 2..65
 *   19      1     u8  flags: bit 0 = linear path (the output also gets
 *                     S (2 xc - 1), S 3 x 3); bit 1 (versions 3, 4) =
 *                     curves (output channel k also gets c_k (xc_k),
 *                     linear between 16 knots at 0, 1/15, .., 1); other
 *                     bits 0
 *   20      4     u32 P: MLP parameters, must equal 3h + h
 *                     + (layers - 1)(h^2 + h) + 3h + 3 (+ 9 with bit 0,
 *                     + 48 with bit 1)
 *   24      8     f64 in-sample mean CIEDE2000 of the fit
 *   32      8     f64 in-sample largest CIEDE2000 of the fit
 *   40      8     u64 distinct colours the fit saw
 *   48      4P    f32 MLP parameters, layer by layer from the input: the
 *                     weights (n_out x n_in, row-major), then the biases;
 *                     then S (row-major) with flag bit 0, then the
 *                     curves' knots with bit 1 (red's 16, green's, blue's)
 *   48+4P   12K^3 f32 correction lattice, RGB triples, red fastest
 *   versions 2 to 4 only, then:
 *           4     u32 number of spatial parts, 1 or 2 (version 3: 0 to 2,
 *                     version 4: 0 to 3), each part:
 *           4     u32 type: 1 radial, 2 local contrast, 3 (version 4
 *                     only) position field (at most one of each, in the
 *                     order of their types)
 *           4     u32 knots k, 2..64 (the field: 2..17 per side)
 *           radial (type 1): f32 p in [0, 1] (0: r over the half-diagonal,
 *                     1: elliptical), f32 cx, f32 cy in [-1, 1] (centre
 *                     offset in half-widths / half-heights), 3k f32 gains
 *                     a (RGB per knot), 3k f32 offsets o
 *           local contrast (type 2): f32 sigma in (0, 0.25] (blur, a
 *                     fraction of the image diagonal), k f32 gains
 *           position field (type 3): 3k^2 f32 gains (RGB per node, rows
 *                     of k nodes from the top)
 *                     (every float of a part finite, gains and offsets
 *                     within +-1000)
 *   end-4   4     u32 CRC-32 (ISO-HDLC, as zlib's crc32) of all bytes before
 *
 * The look evaluates y = clamp (xc + f (2 xc - 1) + c (xc), 0, 1) + (x - xc)
 * with xc = clamp (x, 0, 1), f the MLP (hidden units use the activation,
 * the 3 outputs are linear) and c the trilinear interpolation of the
 * lattice (node (r, g, b) at r / (K - 1), ...).  The spatial parts act on
 * that result as look-spatial.c describes (radial r, detail band).
 *
 * A reader checks the magic, the version, the shape bounds and that the
 * total size (at most LOOKLAB_LOOK_MAX_BYTES) equals the length before it
 * allocates anything, then the checksum and that every number is finite.
 */
#include "common/atomic-file.h"
#include "common/file-open.h"
#include "look/look-private.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_BYTES 48
#define FILE_VERSION 4
#define PART_RADIAL 1
#define PART_DETAIL 2
#define PART_FIELD 3
#define MAX_PARTS 3
#define PART_LIMIT 1000.0f

static const unsigned char magic[8]
    = { 'L', 'O', 'O', 'K', 'L', 'A', 'B', 0x1a };

static uint32_t
crc32_update (uint32_t crc, const unsigned char *p, size_t n)
{
  /* Bitwise CRC-32, reflected polynomial 0xEDB88320: looks are small. */
  size_t i;
  int    k;

  crc = ~crc;
  for (i = 0; i < n; i++)
    {
      crc ^= p[i];
      for (k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
  return ~crc;
}

static void
put_u16 (unsigned char *p, unsigned v)
{
  p[0] = (unsigned char) v;
  p[1] = (unsigned char) (v >> 8);
}

static void
put_u32 (unsigned char *p, uint32_t v)
{
  int i;

  for (i = 0; i < 4; i++)
    p[i] = (unsigned char) (v >> (8 * i));
}

static void
put_u64 (unsigned char *p, uint64_t v)
{
  int i;

  for (i = 0; i < 8; i++)
    p[i] = (unsigned char) (v >> (8 * i));
}

static void
put_f32 (unsigned char *p, float f)
{
  uint32_t v;

  memcpy (&v, &f, 4);
  put_u32 (p, v);
}

static void
put_f64 (unsigned char *p, double f)
{
  uint64_t v;

  memcpy (&v, &f, 8);
  put_u64 (p, v);
}

static unsigned
get_u16 (const unsigned char *p)
{
  return (unsigned) p[0] | ((unsigned) p[1] << 8);
}

static uint32_t
get_u32 (const unsigned char *p)
{
  return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16)
         | ((uint32_t) p[3] << 24);
}

static uint64_t
get_u64 (const unsigned char *p)
{
  return (uint64_t) get_u32 (p) | ((uint64_t) get_u32 (p + 4) << 32);
}

static float
get_f32 (const unsigned char *p)
{
  uint32_t v = get_u32 (p);
  float    f;

  memcpy (&f, &v, 4);
  return f;
}

static double
get_f64 (const unsigned char *p)
{
  uint64_t v = get_u64 (p);
  double   f;

  memcpy (&f, &v, 8);
  return f;
}

int
looklab_look_sniff (const void *data, size_t len)
{
  return data != NULL && len >= sizeof (magic)
         && memcmp (data, magic, sizeof (magic)) == 0;
}

int
looklab_look_serialize (const LookLabLook *look, void **data, size_t *len)
{
  size_t n_corr
      = (size_t) look->corr_size * look->corr_size * look->corr_size * 3;
  size_t body = HEADER_BYTES + 4 * look->n_params + 4 * n_corr, i;
  size_t total = body + 4, n_vig = 0, n_det = 0, n_fld = 0;
  /* Versions 2 to 4 carry the section of spatial parts. */
  int parts_section = looklab_look_has_spatial (look) || look->curves;
  unsigned char *buf, *p;

  *data = NULL;
  *len = 0;
  if (parts_section)
    {
      total += 4;
      if (look->vig_knots > 0)
        {
          n_vig = 3 + 6 * (size_t) look->vig_knots;
          total += 8 + 4 * n_vig;
        }
      if (look->det_knots > 0)
        {
          n_det = 1 + (size_t) look->det_knots;
          total += 8 + 4 * n_det;
        }
      if (look->fld_knots > 0)
        {
          n_fld = 3 * (size_t) look->fld_knots * (size_t) look->fld_knots;
          total += 8 + 4 * n_fld;
        }
    }
  buf = calloc (1, total);
  if (buf == NULL)
    return LOOKLAB_ERR_NOMEM;
  memcpy (buf, magic, 8);
  put_u32 (buf + 8, n_fld > 0 ? 4 : look->curves ? 3 : parts_section ? 2 : 1);
  put_u16 (buf + 12, (unsigned) look->hidden);
  put_u16 (buf + 14, (unsigned) look->layers);
  buf[16] = (unsigned char) look->activation;
  buf[17] = 0;
  buf[18] = (unsigned char) look->corr_size;
  buf[19] = (unsigned char) looklab_look_paths (look);
  put_u32 (buf + 20, (uint32_t) look->n_params);
  put_f64 (buf + 24, look->fit_mean_de00);
  put_f64 (buf + 32, look->fit_max_de00);
  put_u64 (buf + 40, (uint64_t) look->fit_samples);
  p = buf + HEADER_BYTES;
  for (i = 0; i < look->n_params; i++, p += 4)
    put_f32 (p, look->params[i]);
  for (i = 0; i < n_corr; i++, p += 4)
    put_f32 (p, look->corr[i]);
  if (parts_section)
    {
      put_u32 (p, (uint32_t) ((n_vig > 0) + (n_det > 0) + (n_fld > 0)));
      p += 4;
      if (n_vig > 0)
        {
          put_u32 (p, PART_RADIAL);
          put_u32 (p + 4, (uint32_t) look->vig_knots);
          put_f32 (p + 8, look->vig_prop);
          put_f32 (p + 12, look->vig_cx);
          put_f32 (p + 16, look->vig_cy);
          p += 20;
          for (i = 0; i < 6 * (size_t) look->vig_knots; i++, p += 4)
            put_f32 (p, look->vig[i]);
        }
      if (n_det > 0)
        {
          put_u32 (p, PART_DETAIL);
          put_u32 (p + 4, (uint32_t) look->det_knots);
          put_f32 (p + 8, look->det_sigma);
          p += 12;
          for (i = 0; i < (size_t) look->det_knots; i++, p += 4)
            put_f32 (p, look->det[i]);
        }
      if (n_fld > 0)
        {
          put_u32 (p, PART_FIELD);
          put_u32 (p + 4, (uint32_t) look->fld_knots);
          p += 8;
          for (i = 0; i < n_fld; i++, p += 4)
            put_f32 (p, look->fld[i]);
        }
    }
  put_u32 (p, crc32_update (0, buf, total - 4));
  *data = buf;
  *len = total;
  return LOOKLAB_OK;
}

int
looklab_look_deserialize (const void *data, size_t len, LookLabLook **out,
                          LookLabDiag *diag)
{
  const unsigned char *buf = data;
  unsigned             hidden, layers, activation, encoding, corr, flags;
  uint32_t             version, n_params, crc, n_parts = 0;
  uint32_t             types[MAX_PARTS] = { 0 }, knots[MAX_PARTS] = { 0 };
  size_t               expected, n_corr, i, body, at[MAX_PARTS] = { 0 };
  LookLabLook         *look;

  if (out == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no output look");
  *out = NULL;
  if (data == NULL || !looklab_look_sniff (data, len))
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "not a LookLab look file (bad magic)");
  if (len < HEADER_BYTES)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "truncated look file: %zu bytes, the header "
                             "alone is %d",
                             len, HEADER_BYTES);
  version = get_u32 (buf + 8);
  if (version == 0)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "look file version 0 is invalid");
  if (version > FILE_VERSION)
    return looklab_diag_set (diag, LOOKLAB_ERR_VERSION, 0,
                             "look file version %u is newer than this "
                             "LookLab reads (%d)",
                             (unsigned) version, FILE_VERSION);
  hidden = get_u16 (buf + 12);
  layers = get_u16 (buf + 14);
  activation = buf[16];
  encoding = buf[17];
  corr = buf[18];
  flags = buf[19];
  n_params = get_u32 (buf + 20);
  if (hidden < LOOKLAB_LOOK_MIN_HIDDEN || hidden > LOOKLAB_LOOK_MAX_HIDDEN
      || layers < LOOKLAB_LOOK_MIN_LAYERS || layers > LOOKLAB_LOOK_MAX_LAYERS
      || (corr != 0
          && (corr < LOOKLAB_LOOK_MIN_CORRECTION
              || corr > LOOKLAB_LOOK_MAX_CORRECTION)))
    return looklab_diag_set (
        diag, LOOKLAB_ERR_LIMIT, 0,
        "look shape out of range: %u hidden layers of "
        "%u units, correction lattice %u (limits "
        "%d..%d, %d..%d, 0 or %d..%d)",
        layers, hidden, corr, LOOKLAB_LOOK_MIN_LAYERS, LOOKLAB_LOOK_MAX_LAYERS,
        LOOKLAB_LOOK_MIN_HIDDEN, LOOKLAB_LOOK_MAX_HIDDEN,
        LOOKLAB_LOOK_MIN_CORRECTION, LOOKLAB_LOOK_MAX_CORRECTION);
  if (activation >= LOOKLAB_ACT_COUNT || encoding != 0
      || (flags & ~(version >= 3 ? LOOKLAB_PATHS_ALL : LOOKLAB_PATH_LINEAR))
             != 0)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "unknown activation %u, encoding %u or "
                             "flags 0x%02x (version %u)",
                             activation, encoding, flags, (unsigned) version);
  if (n_params != looklab_look_count_params ((int) hidden, (int) layers, flags))
    return looklab_diag_set (
        diag, LOOKLAB_ERR_PARSE, 0,
        "the header says %u parameters but a %u x %u network has %zu",
        (unsigned) n_params, layers, hidden,
        looklab_look_count_params ((int) hidden, (int) layers, flags));
  n_corr = (size_t) corr * corr * corr * 3;
  body = HEADER_BYTES + 4 * (size_t) n_params + 4 * n_corr;
  expected = body + 4;
  if (version >= 2 && body <= LOOKLAB_LOOK_MAX_BYTES)
    {
      /* Walk the part headers, reading only inside the buffer. */
      size_t   pos = body + 4;
      unsigned k;

      if (len < pos)
        return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "truncated look file: %zu bytes, no room "
                                 "for its spatial parts",
                                 len);
      n_parts = get_u32 (buf + body);
      if (n_parts < (version >= 3 ? 0u : 1u)
          || n_parts > (version >= 4 ? 3u : 2u))
        return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "a version %u look file with %u spatial "
                                 "parts (%s)",
                                 (unsigned) version, (unsigned) n_parts,
                                 version >= 4   ? "0 to 3"
                                 : version >= 3 ? "0 to 2"
                                                : "1 or 2");
      for (k = 0; k < n_parts; k++)
        {
          size_t need;

          if (len < pos + 8)
            return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                     "truncated look file: spatial part "
                                     "%u is cut",
                                     k + 1);
          types[k] = get_u32 (buf + pos);
          knots[k] = get_u32 (buf + pos + 4);
          if ((types[k] != PART_RADIAL && types[k] != PART_DETAIL
               && (types[k] != PART_FIELD || version < 4))
              || (k > 0 && types[k] <= types[k - 1]))
            return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                     "spatial part %u has an unknown or "
                                     "repeated type %u",
                                     k + 1, (unsigned) types[k]);
          if (knots[k] < LOOKLAB_SPATIAL_MIN_KNOTS
              || knots[k] > (types[k] == PART_FIELD
                                 ? LOOKLAB_FIELD_MAX_KNOTS
                                 : LOOKLAB_SPATIAL_MAX_KNOTS))
            return looklab_diag_set (
                diag, LOOKLAB_ERR_LIMIT, 0,
                "spatial part %u has %u knots "
                "(limits %d..%d)",
                k + 1, (unsigned) knots[k], LOOKLAB_SPATIAL_MIN_KNOTS,
                types[k] == PART_FIELD ? LOOKLAB_FIELD_MAX_KNOTS
                                       : LOOKLAB_SPATIAL_MAX_KNOTS);
          need = types[k] == PART_RADIAL ? 3 + 6 * (size_t) knots[k]
                 : types[k] == PART_FIELD
                     ? 3 * (size_t) knots[k] * (size_t) knots[k]
                     : 1 + (size_t) knots[k];
          at[k] = pos + 8;
          pos += 8 + 4 * need;
        }
      expected = pos + 4;
    }
  if (expected > LOOKLAB_LOOK_MAX_BYTES)
    return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                             "look file of %zu bytes is over the limit of "
                             "%zu",
                             expected, LOOKLAB_LOOK_MAX_BYTES);
  if (len < expected)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "truncated look file: %zu bytes, its header "
                             "needs %zu",
                             len, expected);
  if (len > expected)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "look file has %zu bytes after its end",
                             len - expected);
  crc = get_u32 (buf + expected - 4);
  if (crc != crc32_update (0, buf, expected - 4))
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "look file checksum mismatch (the file is "
                             "damaged)");

  look = looklab_look_new_shape ((int) hidden, (int) layers, (int) activation,
                                 flags, (int) corr);
  if (look == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
  look->fit_mean_de00 = get_f64 (buf + 24);
  look->fit_max_de00 = get_f64 (buf + 32);
  look->fit_samples = (size_t) get_u64 (buf + 40);
  for (i = 0; i < n_params; i++)
    look->params[i] = get_f32 (buf + HEADER_BYTES + 4 * i);
  for (i = 0; i < n_corr; i++)
    look->corr[i]
        = get_f32 (buf + HEADER_BYTES + 4 * (size_t) n_params + 4 * i);
  for (i = 0; i < n_params + n_corr; i++)
    {
      float v = i < n_params ? look->params[i] : look->corr[i - n_params];

      if (!isfinite (v))
        {
          looklab_look_free (look);
          return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                   "look file holds a number that is not "
                                   "finite (parameter %zu)",
                                   i);
        }
    }
  for (i = 0; i < n_parts; i++)
    {
      const unsigned char *q = buf + at[i];
      size_t               j, n;
      float               *v;
      int                  bad = 0;

      if (types[i] == PART_RADIAL)
        {
          if (looklab_look_set_vignette (look, (int) knots[i]) != LOOKLAB_OK)
            goto nomem;
          look->vig_prop = get_f32 (q);
          look->vig_cx = get_f32 (q + 4);
          look->vig_cy = get_f32 (q + 8);
          bad = !(look->vig_prop >= 0.0f && look->vig_prop <= 1.0f)
                || !(fabsf (look->vig_cx) <= 1.0f)
                || !(fabsf (look->vig_cy) <= 1.0f);
          v = look->vig;
          n = 6 * (size_t) knots[i];
          q += 12;
        }
      else if (types[i] == PART_FIELD)
        {
          if (looklab_look_set_field (look, (int) knots[i]) != LOOKLAB_OK)
            goto nomem;
          v = look->fld;
          n = 3 * (size_t) knots[i] * (size_t) knots[i];
        }
      else
        {
          if (looklab_look_set_detail (look, (int) knots[i]) != LOOKLAB_OK)
            goto nomem;
          look->det_sigma = get_f32 (q);
          bad = !(look->det_sigma > 0.0f
                  && look->det_sigma <= LOOKLAB_DETAIL_MAX_SIGMA);
          v = look->det;
          n = (size_t) knots[i];
          q += 4;
        }
      for (j = 0; j < n; j++)
        {
          v[j] = get_f32 (q + 4 * j);
          if (!(fabsf (v[j]) <= PART_LIMIT))
            bad = 1;
        }
      if (bad)
        {
          looklab_look_free (look);
          return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                   "spatial part %zu holds a value out of "
                                   "range or not finite",
                                   i + 1);
        }
    }
  *out = look;
  return LOOKLAB_OK;

nomem:
  looklab_look_free (look);
  return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
}

int
looklab_look_save (const LookLabLook *look, const char *path, LookLabDiag *diag)
{
  LookLabAtomicFile af;
  void             *data = NULL;
  size_t            len = 0;
  int               status;

  if (look == NULL || path == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no look or path");
  status = looklab_look_serialize (look, &data, &len);
  if (status != LOOKLAB_OK)
    return looklab_diag_set (diag, status, 0, "out of memory");
  status = looklab_atomic_file_open (&af, path, diag);
  if (status == LOOKLAB_OK)
    {
      if (fwrite (data, 1, len, af.fp) != len)
        looklab_atomic_file_set_error (&af, errno != 0 ? errno : EIO);
      status = looklab_atomic_file_commit (&af, diag);
    }
  free (data);
  return status;
}

int
looklab_look_load (const char *path, LookLabLook **out, LookLabDiag *diag)
{
  FILE          *f = NULL;
  struct stat    st;
  unsigned char *data = NULL;
  size_t         len;
  int            status;

  if (out == NULL || path == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no look or path");
  *out = NULL;
  status = looklab_file_open_regular (path, &f, &st, diag);
  if (status != LOOKLAB_OK)
    return status;
  if ((uint64_t) st.st_size > LOOKLAB_LOOK_MAX_BYTES)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                                 "%s is %lld bytes, over the look file limit "
                                 "of %zu",
                                 path, (long long) st.st_size,
                                 LOOKLAB_LOOK_MAX_BYTES);
      goto out;
    }
  len = (size_t) st.st_size;
  data = malloc (len > 0 ? len : 1);
  if (data == NULL)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
      goto out;
    }
  if (fread (data, 1, len, f) != len)
    {
      status
          = looklab_diag_set (diag, LOOKLAB_ERR_IO, 0, "cannot read %s", path);
      goto out;
    }
  status = looklab_look_deserialize (data, len, out, diag);

out:
  if (f != NULL)
    fclose (f);
  free (data);
  return status;
}

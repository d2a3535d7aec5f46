; tests/plugin/test-apply.scm: plug-in-looklab-apply in a real GIMP 3.
; Loaded by run-gimp.sh after lib.scm (test-dir is set there).

; .cube files whose results are known exactly: a red/blue swap and an
; invert are linear, so both interpolations reproduce them exactly.
(define swap-cube
  (write-text "swap.cube"
    "TITLE \"swap\"\nLUT_3D_SIZE 2\n0 0 0\n0 0 1\n0 1 0\n0 1 1\n1 0 0\n1 0 1\n1 1 0\n1 1 1\n"))
(define invert-cube
  (write-text "invert.cube"
    "# invert\nLUT_3D_SIZE 2\n1 1 1\n0 1 1\n1 0 1\n0 0 1\n1 1 0\n0 1 0\n1 0 0\n0 0 0\n"))
; Compresses [0, 1] into [0, 1/256] and back: an 8-bit image loses the
; picture on the way, 16-bit and float keep it.
(define down-cube
  (write-text "down.cube"
    "LUT_3D_SIZE 2\n0 0 0\n0.00390625 0 0\n0 0.00390625 0\n0.00390625 0.00390625 0\n0 0 0.00390625\n0.00390625 0 0.00390625\n0 0.00390625 0.00390625\n0.00390625 0.00390625 0.00390625\n"))
(define up-cube
  (write-text "up.cube"
    "LUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 0.00390625 0.00390625 0.00390625\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n"))

(define (apply-file img layer file . more)
  (try (lambda ()
         (if (null? more)
             (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE #:image img
                                    #:drawables (vector layer) #:file file
                                    #:strength 1.0)
             (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE #:image img
                                    #:drawables (vector layer) #:file file
                                    #:strength (car more)
                                    #:interpolation (cadr more))))))

; --- Known results --------------------------------------------------------

(let* ((ii (make-image 8 8 RGB-IMAGE '(10 100 200)))
       (img (car ii)) (layer (cadr ii))
       (r (apply-file img layer swap-cube)))
  (check "swap: call succeeds" (not (failed? r)) (cdr r))
  (check "swap: red and blue exchanged" (equal? (pixel layer 3 3) '(200 100 10))
         (pixel layer 3 3)))

(let* ((ii (make-image 8 8 RGB-IMAGE '(10 100 200)))
       (img (car ii)) (layer (cadr ii))
       (r (apply-file img layer invert-cube 1.0 "tetrahedral")))
  (check "invert tetrahedral: succeeds" (not (failed? r)) (cdr r))
  (check "invert tetrahedral: values" (equal? (pixel layer 0 7) '(245 155 55))
         (pixel layer 0 7)))

(let* ((ii (make-image 8 8 RGB-IMAGE '(10 100 200)))
       (img (car ii)) (layer (cadr ii))
       (r (apply-file img layer invert-cube 1.0 "trilinear")))
  (check "invert trilinear: succeeds" (not (failed? r)) (cdr r))
  (check "invert trilinear: values" (equal? (pixel layer 7 0) '(245 155 55))
         (pixel layer 7 0)))

; A 1D-only .cube (per-channel curves) is read as a 3D LUT.
(let* ((ii (make-image 8 8 RGB-IMAGE '(10 100 200)))
       (img (car ii)) (layer (cadr ii))
       (r (apply-file img layer
                      (write-text "invert-1d.cube" "LUT_1D_SIZE 2\n1 1 1\n0 0 0\n"))))
  (check "1D .cube: succeeds" (not (failed? r)) (cdr r))
  (check "1D .cube: inverted" (equal? (pixel layer 2 6) '(245 155 55))
         (pixel layer 2 6)))

; strength 0.5 of invert: halfway between v and 255 - v, i.e. 127.5.
(let* ((ii (make-image 8 8 RGB-IMAGE '(10 100 200)))
       (img (car ii)) (layer (cadr ii))
       (r (apply-file img layer invert-cube 0.5 "tetrahedral")))
  (check "strength 0.5: succeeds" (not (failed? r)) (cdr r))
  (check "strength 0.5: halfway" (close? (pixel layer 4 4) '(128 128 128) 1)
         (pixel layer 4 4)))

(let* ((ii (make-image 8 8 RGB-IMAGE '(10 100 200)))
       (img (car ii)) (layer (cadr ii))
       (r (apply-file img layer invert-cube 0.0 "tetrahedral")))
  (check "strength 0: unchanged" (equal? (pixel layer 4 4) '(10 100 200))
         (pixel layer 4 4)))

; Only the selection changes.
(let* ((ii (make-image 8 8 RGB-IMAGE '(10 100 200)))
       (img (car ii)) (layer (cadr ii)))
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 0 0 4 8)
  (let ((r (apply-file img layer swap-cube)))
    (check "selection: succeeds" (not (failed? r)) (cdr r))
    (check "selection: inside changed" (equal? (pixel layer 1 5) '(200 100 10))
           (pixel layer 1 5))
    (check "selection: outside kept" (equal? (pixel layer 6 5) '(10 100 200))
           (pixel layer 6 5))))

; Alpha is kept.
(let* ((ii (make-image 8 8 RGBA-IMAGE '(10 100 200)))
       (img (car ii)) (layer (cadr ii)))
  (gimp-drawable-set-pixel layer 2 2 '(10 100 200 77))
  (let ((r (apply-file img layer swap-cube)))
    (check "alpha: succeeds" (not (failed? r)) (cdr r))
    (check "alpha: colour swapped, alpha kept"
           (equal? (pixel layer 2 2) '(200 100 10 77)) (pixel layer 2 2))
    (check "alpha: opaque pixel" (equal? (pixel layer 5 5) '(200 100 10 255))
           (pixel layer 5 5))))

; Several drawables in one call.
(let* ((ii (make-image 8 8 RGB-IMAGE '(10 100 200)))
       (img (car ii)) (layer (cadr ii))
       (layer2 (gimp-layer-new img "second" 8 8 RGB-IMAGE 100 LAYER-MODE-NORMAL)))
  (gimp-image-insert-layer img layer2 0 0)
  (gimp-context-set-foreground '(1 2 3))
  (gimp-drawable-fill layer2 FILL-FOREGROUND)
  (let ((r (try (lambda ()
                  (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE
                                         #:image img
                                         #:drawables (vector layer layer2)
                                         #:file swap-cube)))))
    (check "two layers: succeeds" (not (failed? r)) (cdr r))
    (check "two layers: first" (equal? (pixel layer 0 0) '(200 100 10))
           (pixel layer 0 0))
    (check "two layers: second" (equal? (pixel layer2 0 0) '(3 2 1))
           (pixel layer2 0 0))))

; Grayscale: the look of (Y, Y, Y), written back as the luminance of the
; result; for the neutral invert that is 255 - Y.
(let* ((img (gimp-image-new 8 8 GRAY))
       (layer (gimp-layer-new img "gray" 8 8 GRAY-IMAGE 100 LAYER-MODE-NORMAL)))
  (gimp-image-insert-layer img layer 0 0)
  (gimp-context-set-foreground '(100 100 100))
  (gimp-drawable-fill layer FILL-FOREGROUND)
  (let ((r (apply-file img layer invert-cube)))
    (check "gray: succeeds" (not (failed? r)) (cdr r))
    (check "gray: inverted luminance" (close? (pixel layer 3 3) '(155) 1)
           (pixel layer 3 3))))

; Precision: down then up.  16-bit and float images keep the picture to
; within 8-bit rounding; an 8-bit image cannot (which shows that the
; 16-bit and float checks are not vacuous).
(define (round-trip precision)
  (let* ((img (gimp-image-new 8 8 RGB))
         (layer (gimp-layer-new img "p" 8 8 RGB-IMAGE 100 LAYER-MODE-NORMAL)))
    (gimp-image-insert-layer img layer 0 0)
    (gimp-context-set-foreground '(10 100 200))
    (gimp-drawable-fill layer FILL-FOREGROUND)
    (if (not (= precision PRECISION-U8-NON-LINEAR))
        (gimp-image-convert-precision img precision))
    (let* ((r1 (apply-file img layer down-cube))
           (r2 (apply-file img layer up-cube)))
      (list (and (not (failed? r1)) (not (failed? r2))) (pixel layer 1 1)))))

(let ((r (round-trip PRECISION-U16-NON-LINEAR)))
  (check "16-bit: succeeds" (car r))
  (check "16-bit: full precision kept" (close? (cadr r) '(10 100 200) 1) (cadr r)))
(let ((r (round-trip PRECISION-FLOAT-NON-LINEAR)))
  (check "float: succeeds" (car r))
  (check "float: full precision kept" (close? (cadr r) '(10 100 200) 1) (cadr r)))
(let ((r (round-trip PRECISION-U8-NON-LINEAR)))
  (check "8-bit: succeeds" (car r))
  (check "8-bit: round trip loses (control)" (not (close? (cadr r) '(10 100 200) 1))
         (cadr r)))

; --- Bad input: an error, and the image exactly as it was ----------------

(define (expect-error name img layer file part)
  (let* ((before (all-pixels layer))
         (r (apply-file img layer file))
         (after (all-pixels layer)))
    (check (string-append name ": error returned") (failed? r))
    (if (failed? r)
        (check (string-append name ": message says why")
               (contains? (error-text r) part) (error-text r)))
    (check (string-append name ": pixels unchanged") (equal? before after))))

(define (fresh) (make-image 6 6 RGB-IMAGE '(10 100 200)))

(let ((ii (fresh)))
  (expect-error "missing file" (car ii) (cadr ii) (path "no-such.cube") "file"))

(define malformed
  '(("bad number" "LUT_3D_SIZE 2\n0 0 0\n0 zero 1\n0 1 0\n0 1 1\n1 0 0\n1 0 1\n1 1 0\n1 1 1\n" "line 3")
    ("too few rows" "LUT_3D_SIZE 2\n0 0 0\n0 0 1\n0 1 0\n" "not a valid")
    ("size over limit" "LUT_3D_SIZE 100000\n0 0 0\n" "larger than")
    ("two values" "LUT_3D_SIZE 2\n0 0 0\n0 0\n0 1 0\n0 1 1\n1 0 0\n1 0 1\n1 1 0\n1 1 1\n" "line 3")
    ("empty file" "" "not a valid")
    ("binary junk" "\x01\x02\x03garbage\x7f" "not a valid")))

(for-each
  (lambda (case)
    (let ((ii (fresh))
          (file (write-text (string-append "bad-" (number->string
                                                   (string-length (car case)))
                                           ".cube")
                            (cadr case))))
      (expect-error (string-append "malformed .cube, " (car case))
                    (car ii) (cadr ii) file (caddr case))))
  malformed)

(let ((ii (fresh)))
  (expect-error "empty file name and no stored look" (car ii) (cadr ii) ""
                "no learned look"))

(let* ((ii (fresh)) (img (car ii)) (layer (cadr ii))
       (before (all-pixels layer))
       (r (try (lambda ()
                 (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE
                                        #:image img #:drawables (vector layer))))))
  (check "no file argument and no stored look: error" (failed? r))
  (if (failed? r)
      (check "no file argument and no stored look: message"
             (contains? (error-text r) "no learned look") (error-text r)))
  (check "no file argument and no stored look: unchanged"
         (equal? before (all-pixels layer))))

(let* ((ii (make-image 6 6 RGB-IMAGE '(10 100 200)))
       (img (car ii)) (layer (cadr ii)))
  (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE
                              16 FALSE FALSE "")
  (expect-error "indexed image" img layer swap-cube "indexed"))

; An empty selection: a layer that the selection does not touch.
(let* ((img (gimp-image-new 40 40 RGB))
       (layer (gimp-layer-new img "small" 6 6 RGB-IMAGE 100 LAYER-MODE-NORMAL)))
  (gimp-image-insert-layer img layer 0 0)
  (gimp-context-set-foreground '(10 100 200))
  (gimp-drawable-fill layer FILL-FOREGROUND)
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 20 20 10 10)
  (expect-error "empty selection" img layer swap-cube "selection"))

; A good and a bad drawable together: neither changes.
(let* ((ii (fresh)) (img (car ii)) (good (cadr ii))
       (bad (gimp-layer-new img "off" 4 4 RGB-IMAGE 100 LAYER-MODE-NORMAL)))
  (gimp-image-insert-layer img bad 0 0)
  (gimp-layer-set-offsets bad 100 100)
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 0 0 3 3)
  (let* ((before (all-pixels good))
         (r (try (lambda ()
                   (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE
                                          #:image img
                                          #:drawables (vector good bad)
                                          #:file swap-cube)))))
    (check "good + bad layer: error" (failed? r))
    (check "good + bad layer: good one unchanged"
           (equal? before (all-pixels good)))))

; A look file with a vignette and local contrast: every part applied, as
; on the whole image (this script runs with the op, plugin-apply, and
; without it, plugin-apply-no-op: the plug-in's own pixel path).  With a
; selection only the selected part changes, and the look takes the
; selection's bounds as its image, as GIMP gives a filter its input (GIMP's
; own gegl:vignette centres on the selection the same way).
(let* ((spatial-look (string-append data-dir
                                    "/../tests/fuzz/corpus/look/garden-spatial.look"))
       (garden (string-append data-dir "/sample/garden-before.png"))
       (ii (load-image garden)) (img (car ii)) (layer (cadr ii))
       (r (apply-file img layer spatial-look)))
  (check "spatial look: succeeds" (not (failed? r)) (cdr r))
  (add-check "apply" spatial-look garden
             (export-png layer "spatial-applied.png"))
  (let* ((ii2 (load-image garden)) (img2 (car ii2)) (layer2 (cadr ii2)))
    (gimp-image-select-rectangle img2 CHANNEL-OP-REPLACE 40 30 120 90)
    (let ((r2 (apply-file img2 layer2 spatial-look)))
      (check "spatial look, selection: succeeds" (not (failed? r2)) (cdr r2))
      (add-check "region" (export-png layer2 "spatial-selection.png") garden
                 "40" "30" "120" "90")
      (add-check "apply-region" spatial-look garden
                 (export-png layer2 "spatial-selection2.png")
                 "40" "30" "120" "90"))))

(done)

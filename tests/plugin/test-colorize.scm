; tests/plugin/test-colorize.scm: plug-in-looklab-colorize in a real GIMP 3,
; with the default model (data/models/ of the source tree).
; Loaded by run-gimp.sh after lib.scm (test-dir and data-dir are set there).
;
; A truncated copy of the default model, written before GIMP starts:
;; setup: truncate @DATA@/models/looklab-colorize.safetensors truncated.safetensors 100000

(define photo-file (string-append data-dir "/sample/ladybird.png"))
(define W 240)
(define H 150)

; The bundled photo, scaled down, as a new grayscale image: (image layer).
(define (gray-photo)
  (let* ((il (load-image photo-file)) (img (car il)))
    (gimp-image-scale img W H)
    (gimp-image-convert-grayscale img)
    il))

(define (n-layers img) (vector-length (gimp-image-get-layers img)))

; The result layer: v3 hands back a single return value as it is.
(define (as-layer v) (if (pair? v) (car v) v))

;(colorize img layer [what value]): WHAT is 'hints, 'model or 'output.
(define (colorize img layer . opt)
  (let ((what (if (pair? opt) (car opt) #f))
        (value (if (pair? opt) (cadr opt) #f)))
    (try (lambda ()
           (as-layer
             (cond ((eq? what 'hints)
                    (plug-in-looklab-colorize
                      #:run-mode RUN-NONINTERACTIVE #:image img
                      #:drawables (vector layer) #:hints value))
                   ((eq? what 'model)
                    (plug-in-looklab-colorize
                      #:run-mode RUN-NONINTERACTIVE #:image img
                      #:drawables (vector layer) #:model value))
                   ((eq? what 'output)
                    (plug-in-looklab-colorize
                      #:run-mode RUN-NONINTERACTIVE #:image img
                      #:drawables (vector layer) #:output value))
                   (else
                    (plug-in-looklab-colorize
                      #:run-mode RUN-NONINTERACTIVE #:image img
                      #:drawables (vector layer)))))))))

; Writes DRAWABLE alone as a 16-bit PNG (export-png makes 8-bit ones).
(define (export-png16 drawable name)
  (let* ((img (gimp-image-new-with-precision
                (gimp-drawable-get-width drawable)
                (gimp-drawable-get-height drawable)
                RGB PRECISION-U16-NON-LINEAR))
         (copy (gimp-layer-new-from-drawable drawable img)))
    (gimp-image-insert-layer img copy 0 0)
    (file-png-export #:run-mode RUN-NONINTERACTIVE #:image img
                     #:file (path name))
    (gimp-image-delete img)
    (path name)))

; --- A grayscale photo gets colour and keeps its L* ------------------------

(define gray-png
  (let ((il (gray-photo)))
    (export-png (cadr il) "gray.png")))

(let* ((il (gray-photo)) (img (car il)) (layer (cadr il))
       (name (gimp-item-get-name layer))
       (r (colorize img layer)))
  (check "gray: call succeeds" (not (failed? r)) (cdr r))
  (if (not (failed? r))
      (let ((result (cdr r)))
        (check "gray: image converted to RGB"
               (= (gimp-image-get-base-type img) RGB)
               (gimp-image-get-base-type img))
        (check "gray: one new layer" (= (n-layers img) 2) (n-layers img))
        (check "gray: new layer above, named <name> colorized"
               (and (= (gimp-image-get-item-position img result) 0)
                    (string=? (gimp-item-get-name result)
                              (string-append name " colorized")))
               (gimp-item-get-name result))
        (check "gray: the layer itself is kept"
               (not (equal? result layer)))
        (export-png result "colorized.png")
        ; Mean C*ab of the result: measured 45.2 with the default model
        ; (2026-12); a gray answer is 0.
        (add-check "chroma" (path "colorized.png") "20")
        (add-check "lightness" gray-png (path "colorized.png") "1.0"))))

; --- Hints steer the colour -------------------------------------------------

; Red hints in a 60 x 40 rectangle: that part comes out redder than
; without hints, on the same image.
(let* ((il (gray-photo)) (img (car il)) (layer (cadr il)))
  (gimp-image-convert-rgb img)
  (let ((hints (gimp-layer-new img "hints" W H RGBA-IMAGE 100
                               LAYER-MODE-NORMAL)))
    (gimp-image-insert-layer img hints 0 0)
    (gimp-drawable-fill hints FILL-TRANSPARENT)
    (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 140 60 60 40)
    (gimp-context-set-foreground '(220 20 20))
    (gimp-drawable-edit-fill hints FILL-FOREGROUND)
    (gimp-selection-none img)
    (gimp-item-set-visible hints #f)
    (let* ((plain (colorize img layer))
           (hinted (colorize img layer 'hints hints)))
      (check "hints: both calls succeed"
             (and (not (failed? plain)) (not (failed? hinted)))
             (cdr plain) (cdr hinted))
      (if (not (or (failed? plain) (failed? hinted)))
          (begin
            (export-png (cdr plain) "plain.png")
            (export-png (cdr hinted) "hinted.png")
            (add-check "redder" (path "hinted.png") (path "plain.png")
                       "140" "60" "60" "40" "10")
            (add-check "lightness" gray-png (path "hinted.png") "1.0"))))))

; Hints of another size are an error, and nothing changes.
(let* ((il (gray-photo)) (img (car il)) (layer (cadr il))
       (small (gimp-layer-new img "small" 10 10 GRAYA-IMAGE 100
                              LAYER-MODE-NORMAL)))
  (gimp-image-insert-layer img small 0 0)
  (let ((r (colorize img layer 'hints small)))
    (check "hints of another size: error"
           (and (failed? r) (contains? (error-text r) "same size"))
           (error-text r))
    (check "hints of another size: still gray, no layer added"
           (and (= (gimp-image-get-base-type img) GRAY) (= (n-layers img) 2)))))

; --- In place, on a selection -----------------------------------------------

(let* ((il (gray-photo)) (img (car il)) (layer (cadr il)))
  (gimp-image-select-rectangle img CHANNEL-OP-REPLACE 0 0 120 150)
  (let ((r (colorize img layer 'output "in-place")))
    (check "in place: call succeeds" (not (failed? r)) (cdr r))
    (if (not (failed? r))
        (begin
          (check "in place: the layer itself, no layer added"
                 (and (equal? (cdr r) layer)
                      (= (n-layers img) 1)))
          (export-png layer "in-place.png")
          ; Only x < 120 may change.
          (add-check "region" gray-png (path "in-place.png")
                     "0" "0" "120" "150")
          (add-check "lightness" gray-png (path "in-place.png") "1.0")))))

; --- Precision and alpha ----------------------------------------------------

(let* ((il (gray-photo)) (img (car il)) (layer (cadr il)))
  (gimp-image-convert-precision img PRECISION-U16-NON-LINEAR)
  (export-png16 layer "gray16.png")
  (let ((r (colorize img layer)))
    (check "16-bit: call succeeds" (not (failed? r)) (cdr r))
    (if (not (failed? r))
        (begin
          (check "16-bit: image stays 16-bit"
                 (= (gimp-image-get-precision img) PRECISION-U16-NON-LINEAR)
                 (gimp-image-get-precision img))
          (check "16-bit: result is RGB u16 (6 bytes a pixel)"
                 (= (gimp-drawable-get-bpp (cdr r)) 6)
                 (gimp-drawable-get-bpp (cdr r)))
          (export-png16 (cdr r) "colorized16.png")
          ; At 16 bits L* is kept to a few thousandths; an 8-bit round trip
          ; would move it by up to about 0.2.
          (add-check "lightness" (path "gray16.png") (path "colorized16.png")
                     "0.05")))))

(let* ((il (gray-photo)) (img (car il)) (layer (cadr il)))
  (gimp-image-convert-precision img PRECISION-FLOAT-NON-LINEAR)
  (let ((r (colorize img layer)))
    (check "float: call succeeds" (not (failed? r)) (cdr r))
    (if (not (failed? r))
        (begin
          (check "float: image stays float"
                 (= (gimp-image-get-precision img) PRECISION-FLOAT-NON-LINEAR)
                 (gimp-image-get-precision img))
          (check "float: result is RGB float (12 bytes a pixel)"
                 (= (gimp-drawable-get-bpp (cdr r)) 12)
                 (gimp-drawable-get-bpp (cdr r)))))))

(let* ((ii (make-image 16 16 RGBA-IMAGE '(120 120 120)))
       (img (car ii)) (layer (cadr ii)))
  (gimp-drawable-set-pixel layer 2 2 '(120 120 120 77))
  (let ((r (colorize img layer 'output "in-place")))
    (check "alpha: call succeeds" (not (failed? r)) (cdr r))
    (check "alpha: kept" (= (list-ref (pixel layer 2 2) 3) 77)
           (pixel layer 2 2))
    (check "alpha: opaque stays opaque" (= (list-ref (pixel layer 5 5) 3) 255)
           (pixel layer 5 5))))

; --- Bad models and indexed images leave the image untouched ----------------

; A missing file is refused by GIMP itself (an OPEN file argument must
; exist) before the plug-in runs; the others by the plug-in.
(define (bad-model label model-file message)
  (let* ((il (gray-photo)) (img (car il)) (layer (cadr il))
         (r (colorize img layer 'model model-file)))
    (check (string-append label ": error")
           (and (failed? r) (contains? (error-text r) message))
           (error-text r))
    (check (string-append label ": still gray, no layer added")
           (and (= (gimp-image-get-base-type img) GRAY) (= (n-layers img) 1))
           (gimp-image-get-base-type img) (n-layers img))
    (export-png layer (string-append label ".png"))
    (add-check "de00" gray-png (path (string-append label ".png")) "0")))

(bad-model "truncated-model" (path "truncated.safetensors")
           "not a valid colorization model")
(bad-model "text-model" (write-text "text.safetensors" "not a model\n")
           "not a valid colorization model")
(bad-model "missing-model" (path "missing.safetensors") "model")

(let* ((ii (make-image 16 16 RGB-IMAGE '(10 100 200)))
       (img (car ii)) (layer (cadr ii)))
  (gimp-image-convert-indexed img CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE
                              4 FALSE FALSE "")
  (let* ((before (pixel layer 3 3))
         (r (colorize img layer)))
    (check "indexed: refused"
           (and (failed? r) (contains? (error-text r) "indexed"))
           (error-text r))
    (check "indexed: unchanged"
           (and (= (gimp-image-get-base-type img) INDEXED) (= (n-layers img) 1)
                (equal? (pixel layer 3 3) before))
           (pixel layer 3 3))))

(done)

; tests/plugin/test-hald.scm: LUT ripping.  An identity Hald CLUT made by
; plug-in-looklab-hald-identity goes through GIMP's own colour tools; the
; look learned from the pair, applied to a photo, must match the same tools
; applied to that photo directly (mean CIEDE2000 <= 1, by look-check).

(define photo-png (string-append data-dir "/sample/ladybird.png"))

; The chain of GIMP tools being captured: a curve and a hue/saturation
; change.  Pointwise colour tools only: that is what a LUT can hold.
(define (grade drawable)
  (gimp-drawable-curves-spline drawable HISTOGRAM-VALUE
                               (vector 0.0 0.0 0.25 0.18 0.6 0.7 1.0 1.0))
  (gimp-drawable-hue-saturation drawable HUE-RANGE-ALL 15.0 0.0 25.0 0.0))

; --- The identity itself -------------------------------------------------

(let ((r (try (lambda ()
                (plug-in-looklab-hald-identity #:run-mode RUN-NONINTERACTIVE
                                               #:level 2)))))
  (check "hald level 2: succeeds" (not (failed? r)) (cdr r))
  (if (not (failed? r))
      (let* ((img (cadr r)) (layer (caddr r)))
        (check "hald level 2: 8 x 8 image"
               (and (= (gimp-image-get-width img) 8)
                    (= (gimp-image-get-height img) 8)))
        ; 4 points per axis (0, 85, 170, 255), red fastest.
        (check "hald level 2: first pixel black" (equal? (pixel layer 0 0) '(0 0 0))
               (pixel layer 0 0))
        (check "hald level 2: red steps first" (equal? (pixel layer 1 0) '(85 0 0))
               (pixel layer 1 0))
        (check "hald level 2: then green" (equal? (pixel layer 4 0) '(0 85 0))
               (pixel layer 4 0))
        (check "hald level 2: blue last" (equal? (pixel layer 0 2) '(0 0 85))
               (pixel layer 0 2))
        (check "hald level 2: last pixel white"
               (equal? (pixel layer 7 7) '(255 255 255)) (pixel layer 7 7)))))

; Into an existing image: a new layer, nothing else.
(let* ((ii (make-image 10 10 RGB-IMAGE '(1 2 3)))
       (img (car ii))
       (r (try (lambda ()
                 (plug-in-looklab-hald-identity #:run-mode RUN-NONINTERACTIVE
                                                #:image img #:level 3)))))
  (check "hald into an image: succeeds" (not (failed? r)) (cdr r))
  (if (not (failed? r))
      (begin
        (check "hald into an image: same image" (= (cadr r) img))
        (check "hald into an image: a second layer"
               (= (vector-length (gimp-image-get-layers img)) 2))
        (check "hald into an image: 27 x 27 layer"
               (= (gimp-drawable-get-width (caddr r)) 27)))))

; --- Ripping -------------------------------------------------------------

(define r (plug-in-looklab-hald-identity #:run-mode RUN-NONINTERACTIVE #:level 8))
(define hald-img (car r))
(define identity (cadr r))
(define graded (gimp-layer-copy identity))
(gimp-image-insert-layer hald-img graded 0 0)
(grade graded)

(define learned
  (try (lambda ()
         (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE #:image hald-img
                                #:drawables (vector graded)
                                #:before identity #:after graded
                                #:model-size "precise"
                                #:file (path "ripped.look") #:apply #f))))
(check "rip: learn succeeds" (not (failed? learned)) (cdr learned))

(define photo (load-image photo-png))
(define by-gimp (cadr photo))
(define by-look (add-layer (car photo) photo-png))
(grade by-gimp)
(define applied
  (try (lambda ()
         (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE #:image (car photo)
                                #:drawables (vector by-look)
                                #:file (path "ripped.look")))))
(check "rip: apply succeeds" (not (failed? applied)) (cdr applied))
(add-check "de00" (export-png by-gimp "photo-gimp-tools.png")
           (export-png by-look "photo-ripped-look.png") "1.0")

(done)

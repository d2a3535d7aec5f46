; tests/plugin/test-learn.scm: plug-in-looklab-learn and
; plug-in-looklab-export-cube in a real GIMP 3, checked against the core's
; own results by look-check (see checks.txt).

(define before-png (string-append data-dir "/sample/garden-before.png"))
(define after-png (string-append data-dir "/sample/garden-after.png"))
(define photo-png (string-append data-dir "/sample/ladybird.png"))
(define look-file (path "garden.look"))

(define ii (load-image before-png))
(define img (car ii))
(define before (cadr ii))
(define after (add-layer img after-png))
(define target (add-layer img photo-png))

(define learned
  (try (lambda ()
         (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE #:image img
                                #:drawables (vector target)
                                #:before before #:after after
                                #:file look-file #:apply #t))))

(check "learn: succeeds" (not (failed? learned)) (cdr learned))
(if (not (failed? learned))
    (let ((values (cdr learned)))
      (check "learn: returns the saved file" (equal? (car values) look-file)
             values)
      (check "learn: returns a small in-sample dE00"
             (and (number? (cadr values)) (> (cadr values) 0)
                  (< (cadr values) 3.0))
             values)))
(check "learn: look stored on the image"
       (member "plug-in-looklab/look" (vector->list
                                       (list->vector (gimp-image-get-parasite-list img)))))
(check "learn: target changed" (not (equal? (pixel target 100 100)
                                            (pixel (cadr (load-image photo-png)) 100 100))))

; The plug-in's result on the photo must be the core's, to one level.
(add-check "apply" look-file photo-png (export-png target "learn-applied.png"))
; And the look it learned the core's, byte for byte.
(add-check "learn" before-png after-png look-file)

; The stored look, without a file, gives the same result.
(let ((copy (add-layer img photo-png)))
  (let ((r (try (lambda ()
                  (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE
                                         #:image img #:drawables (vector copy))))))
    (check "apply stored look: succeeds" (not (failed? r)) (cdr r))
    (add-check "apply" look-file photo-png (export-png copy "stored-applied.png"))))

; The stored look survives saving and loading as XCF.
(let ((xcf (path "saved.xcf")))
  (gimp-xcf-save RUN-NONINTERACTIVE img xcf)
  (let* ((img2 (gimp-file-load RUN-NONINTERACTIVE xcf))
         (layer (add-layer img2 photo-png))
         (r (try (lambda ()
                   (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE
                                          #:image img2
                                          #:drawables (vector layer))))))
    (check "XCF: look still stored"
           (member "plug-in-looklab/look" (gimp-image-get-parasite-list img2)))
    (check "XCF: apply stored look succeeds" (not (failed? r)) (cdr r))
    (add-check "apply" look-file photo-png (export-png layer "xcf-applied.png"))))

; Saving as .cube (by extension) and learning without applying.
(let* ((cube (path "garden-learned.cube"))
       (keep (pixel target 10 10))
       (r (try (lambda ()
                 (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE #:image img
                                        #:drawables (vector target)
                                        #:before before #:after after
                                        #:file cube #:lut-size 9 #:apply #f)))))
  (check "learn to .cube: succeeds" (not (failed? r)) (cdr r))
  (check "learn with apply off: target unchanged" (equal? keep (pixel target 10 10)))
  (add-check "cube" look-file cube))

; --- Export .cube --------------------------------------------------------

(let* ((cube (path "export-17.cube"))
       (r (try (lambda ()
                 (plug-in-looklab-export-cube #:run-mode RUN-NONINTERACTIVE
                                              #:image img #:drawables (vector target)
                                              #:output cube #:lut-size 17)))))
  (check "export stored look: succeeds" (not (failed? r)) (cdr r))
  (add-check "cube" look-file cube)
  ; Re-read: the exported .cube applied in GIMP is close to the look.
  (let* ((copy (add-layer img photo-png))
         (r2 (try (lambda ()
                    (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE
                                           #:image img #:drawables (vector copy)
                                           #:file cube)))))
    (check "apply exported .cube: succeeds" (not (failed? r2)) (cdr r2))
    (add-check "de00" (export-png copy "cube17-applied.png")
               (path "learn-applied.png") "0.5")))

(let* ((cube (path "export-file-5.cube"))
       (r (try (lambda ()
                 (plug-in-looklab-export-cube #:run-mode RUN-NONINTERACTIVE
                                              #:image img #:drawables (vector target)
                                              #:file look-file
                                              #:output cube #:lut-size 5)))))
  (check "export given look file: succeeds" (not (failed? r)) (cdr r))
  (add-check "cube" look-file cube))

; A .cube re-exported at another size is resampled: a swap stays a swap.
(let* ((swap (write-text "swap.cube"
               "LUT_3D_SIZE 2\n0 0 0\n0 0 1\n0 1 0\n0 1 1\n1 0 0\n1 0 1\n1 1 0\n1 1 1\n"))
       (out (path "swap-5.cube"))
       (r (try (lambda ()
                 (plug-in-looklab-export-cube #:run-mode RUN-NONINTERACTIVE
                                              #:image img #:drawables (vector target)
                                              #:file swap #:output out
                                              #:lut-size 5))))
       (ii2 (make-image 4 4 RGB-IMAGE '(10 100 200))))
  (check "export resampled .cube: succeeds" (not (failed? r)) (cdr r))
  (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE #:image (car ii2)
                         #:drawables (vector (cadr ii2)) #:file out)
  (check "export resampled .cube: still a swap"
         (equal? (pixel (cadr ii2) 1 1) '(200 100 10)) (pixel (cadr ii2) 1 1)))

; --- An after that was reframed (align "auto", the default) ----------------
; Cropped and scaled to 0.75x, as an export or another camera would: the
; plug-in registers it on the before and learns what the core learns from
; the same two pictures, byte for byte.
(let* ((ii2 (load-image after-png))
       (img2 (car ii2))
       (reframed #f)
       (look2 (path "garden-reframed.look")))
  (gimp-image-crop img2 800 500 70 40)
  (gimp-image-scale img2 600 375)
  (set! reframed (gimp-layer-new-from-drawable (cadr ii2) img))
  (gimp-image-delete img2)
  (gimp-image-insert-layer img reframed 0 0)
  (let ((r (try (lambda ()
                  (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE
                                         #:image img #:drawables (vector target)
                                         #:before before #:after reframed
                                         #:file look2 #:apply #f)))))
    (check "learn, reframed after: succeeds" (not (failed? r)) (cdr r))
    (add-check "learn-auto" before-png
               (export-png reframed "garden-reframed.png") look2)))

; --- A look with spatial parts ------------------------------------------
; The after is the before under a look file with a vignette and local
; contrast (applied by plug-in-looklab-apply, checked whole in
; test-filter.py).  The plug-in learns what the core learns, byte for
; byte, spatial parts included, and applies all of them: the learned
; look's result on a copy of the before is the core's whole-image result.
(let* ((spatial-look (string-append data-dir
                                    "/../tests/fuzz/corpus/look/garden-spatial.look"))
       (vignetted (gimp-layer-copy before))
       (copy (gimp-layer-copy before))
       (look3 (path "garden-vignetted.look")))
  (gimp-image-insert-layer img vignetted 0 0)
  (gimp-image-insert-layer img copy 0 0)
  (plug-in-looklab-apply #:run-mode RUN-NONINTERACTIVE #:image img
                         #:drawables (vector vignetted) #:file spatial-look)
  (let ((r (try (lambda ()
                  (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE
                                         #:image img #:drawables (vector copy)
                                         #:before before #:after vignetted
                                         #:file look3 #:apply #t)))))
    (check "learn, spatial look: succeeds" (not (failed? r)) (cdr r))
    (add-check "learn-auto" before-png
               (export-png vignetted "garden-vignetted.png") look3)
    (add-check "spatial" look3)
    (add-check "apply" look3 before-png
               (export-png copy "garden-vignetted-learned.png")))
  ; global-only: the colour part alone, as `looklab learn --global-only`.
  (let* ((look4 (path "garden-vignetted-global.look"))
         (r (try (lambda ()
                   (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE
                                          #:image img #:drawables (vector copy)
                                          #:before before #:after vignetted
                                          #:file look4 #:apply #f
                                          #:global-only #t)))))
    (check "learn, global-only: succeeds" (not (failed? r)) (cdr r))
    (add-check "global" look4)))

; --- Bad input -----------------------------------------------------------

(define (expect-failure name thunk part)
  (let ((r (try thunk)))
    (check (string-append name ": error returned") (failed? r))
    (if (failed? r)
        (check (string-append name ": message says why")
               (contains? (error-text r) part) (error-text r)))))

(let* ((small (gimp-layer-new img "small" 100 50 RGB-IMAGE 100 LAYER-MODE-NORMAL))
       (keep (pixel target 5 5)))
  (gimp-image-insert-layer img small 0 0)
  (expect-failure "learn, layers of different sizes, align none"
    (lambda ()
      (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE #:image img
                             #:drawables (vector target) #:align "none"
                             #:before before #:after small #:apply #t))
    "same size")
  (check "learn, layers of different sizes, align none: target unchanged"
         (equal? keep (pixel target 5 5)))
  ; Registered (the default), an empty 100 x 50 layer is too small.
  (expect-failure "learn, a tiny empty after"
    (lambda ()
      (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE #:image img
                             #:drawables (vector target)
                             #:before before #:after small #:apply #t))
    "64")
  (check "learn, a tiny empty after: target unchanged"
         (equal? keep (pixel target 5 5))))

; Two different scenes: refused, nothing applied or stored.
(let* ((ii3 (load-image before-png))
       (img3 (car ii3))
       (before3 (cadr ii3))
       (other (add-layer img3 photo-png))
       (target3 (add-layer img3 photo-png))
       (keep (pixel target3 9 9))
       (file3 (path "different-scenes.look")))
  (expect-failure "learn, different scenes"
    (lambda ()
      (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE #:image img3
                             #:drawables (vector target3) #:file file3
                             #:before before3 #:after other #:apply #t))
    "same scene")
  (check "learn, different scenes: target unchanged"
         (equal? keep (pixel target3 9 9)))
  (add-check "absent" file3)
  (check "learn, different scenes: no look stored"
         (not (member "plug-in-looklab/look"
                      (vector->list (list->vector
                                     (gimp-image-get-parasite-list img3))))))
  (gimp-image-delete img3))

; Huge layers (left empty, so GIMP holds no tiles for them): refused
; before anything is read, the target untouched.
(let* ((big (gimp-image-new 20000 15000 RGB))
       (hb (gimp-layer-new big "huge before" 20000 15000 RGB-IMAGE 100
                           LAYER-MODE-NORMAL))
       (ha (gimp-layer-new big "huge after" 20000 15000 RGB-IMAGE 100
                           LAYER-MODE-NORMAL))
       (keep (pixel target 7 7)))
  (gimp-image-insert-layer big hb 0 0)
  (gimp-image-insert-layer big ha 0 0)
  (expect-failure "learn, huge layers"
    (lambda ()
      (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE #:image img
                             #:drawables (vector target)
                             #:before hb #:after ha #:apply #t))
    "megapixels")
  (check "learn, huge layers: target unchanged" (equal? keep (pixel target 7 7)))
  (gimp-image-delete big))

(expect-failure "learn without layers"
  (lambda ()
    (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE #:image img
                           #:drawables (vector target)))
  "before layer")

(let* ((ii2 (load-image photo-png)) (img2 (car ii2)) (l2 (cadr ii2))
       (other (add-layer img2 photo-png)))
  (gimp-image-convert-indexed img2 CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE
                              16 FALSE FALSE "")
  (expect-failure "learn, indexed layers"
    (lambda ()
      (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE #:image img2
                             #:drawables (vector l2) #:before l2 #:after other
                             #:apply #f))
    "indexed"))

(let ((fresh (make-image 4 4 RGB-IMAGE '(1 2 3))))
  (expect-failure "export, no stored look"
    (lambda ()
      (plug-in-looklab-export-cube #:run-mode RUN-NONINTERACTIVE
                                   #:image (car fresh)
                                   #:drawables (vector (cadr fresh))
                                   #:output (path "never.cube")))
    "no learned look"))

(expect-failure "export, no output"
  (lambda ()
    (plug-in-looklab-export-cube #:run-mode RUN-NONINTERACTIVE #:image img
                                 #:drawables (vector target)))
  "write")

(expect-failure "export, unwritable place"
  (lambda ()
    (plug-in-looklab-export-cube #:run-mode RUN-NONINTERACTIVE #:image img
                                 #:drawables (vector target)
                                 #:output (path "no-such-dir/x.cube")))
  "write")

(done)

; tests/plugin/test-colour.scm: colour management of plug-in-looklab-apply
; and plug-in-looklab-learn in a real GIMP 3 (issue 25).  The photo
; data/sample/ladybird.png as sRGB, Adobe RGB (icc-profiles-free's
; compatibleWithAdobeRGB1998.icc) and Display P3, as PNG and JPEG, and as a
; PNG with a gAMA chunk of 0.36 (made by the setup lines below with
; tests/cli/icc-fixture, lcms2): the same look applied in GIMP must give
; the same colours, each result seen through its profile (icc-fixture de00
; after GIMP quits), within 1.0 dE00 mean.
;
;; setup: make @DATA@/sample/ladybird.png srgb srgb.png
;; setup: make @DATA@/sample/ladybird.png adobe:/usr/share/color/icc/compatibleWithAdobeRGB1998.icc adobe.png
;; setup: make @DATA@/sample/ladybird.png p3 p3.png
;; setup: make @DATA@/sample/ladybird.png gamma:0.36 gamma.png
;; setup: make @DATA@/sample/ladybird.png srgb srgb.jpg
;; setup: make @DATA@/sample/ladybird.png adobe:/usr/share/color/icc/compatibleWithAdobeRGB1998.icc adobe.jpg
;; setup: make @DATA@/sample/ladybird.png p3 p3.jpg

(define look-file
  (string-append data-dir "/../tests/fuzz/corpus/look/garden-small.look"))

; Exports IMG's visible layers as the PNG OUT in test-dir, with the image's
; profile (which a non-interactive export leaves out unless asked).
(define (export-with-profile img out)
  (file-png-export #:run-mode RUN-NONINTERACTIVE #:image img
                   #:file (path out) #:include-color-profile #t))

; Loads NAME (in test-dir), applies the look to it, exports it as OUT
; (a PNG with the image's profile); returns the image.
(define (apply-and-export name out . space)
  (let* ((ii (load-image (path name)))
         (img (car ii)) (layer (cadr ii))
         (r (try (lambda ()
                   (if (null? space)
                       (plug-in-looklab-apply
                         #:run-mode RUN-NONINTERACTIVE #:image img
                         #:drawables (vector layer) #:file look-file)
                       (plug-in-looklab-apply
                         #:run-mode RUN-NONINTERACTIVE #:image img
                         #:drawables (vector layer) #:file look-file
                         #:input-space (car space)))))))
    (check (string-append "apply to " name ": succeeds") (not (failed? r))
           (cdr r))
    (export-with-profile img out)
    img))

(apply-and-export "adobe.png" "out-adobe.png")
(apply-and-export "srgb.png" "out-srgb.png")
(apply-and-export "p3.png" "out-p3.png")
(apply-and-export "gamma.png" "out-gamma.png")
(apply-and-export "srgb.jpg" "out-srgb-jpg.png")
(apply-and-export "adobe.jpg" "out-adobe-jpg.png")
(apply-and-export "p3.jpg" "out-p3-jpg.png")
; The argument is there and does something: a Rec.709 reading differs.
(apply-and-export "srgb.png" "out-srgb-709.png" "rec709")

(add-check "de00" (path "out-srgb.png") (path "out-adobe.png") "1.0")
(add-check "de00" (path "out-srgb.png") (path "out-p3.png") "1.0")
(add-check "de00" (path "out-srgb.png") (path "out-gamma.png") "1.0")
(add-check "de00" (path "out-srgb-jpg.png") (path "out-adobe-jpg.png") "1.0")
(add-check "de00" (path "out-srgb-jpg.png") (path "out-p3-jpg.png") "1.0")

; Learning reads both layers in the look's space: a look learned on the
; gAMA 0.36 pair (GIMP's own result above as After) is the one learned on
; the sRGB pair, and applied to the sRGB photo gives the same colours.
; The sRGB photo is a layer of the pair's image (GIMP converts it into the
; image's profile), exported alone in that profile.
(define (learn-and-apply before-name after-name out)
  (let* ((ii (load-image (path before-name)))
         (img (car ii)) (before (cadr ii))
         (after (add-layer img (path after-name)))
         (target (add-layer img (path "srgb.png")))
         (r (try (lambda ()
                   (plug-in-looklab-learn
                     #:run-mode RUN-NONINTERACTIVE #:image img
                     #:drawables (vector target) #:before before
                     #:after after #:model-size "fast" #:apply #t)))))
    (check (string-append "learn from " before-name ": succeeds")
           (not (failed? r)) (cdr r))
    (gimp-item-set-visible before #f)
    (gimp-item-set-visible after #f)
    (export-with-profile img out)))

(learn-and-apply "srgb.png" "out-srgb.png" "learned-srgb.png")
(learn-and-apply "gamma.png" "out-gamma.png" "learned-gamma.png")
(learn-and-apply "adobe.png" "out-adobe.png" "learned-adobe.png")
(add-check "de00" (path "learned-srgb.png") (path "learned-gamma.png") "1.0")
(add-check "de00" (path "learned-srgb.png") (path "learned-adobe.png") "1.0")

(done)

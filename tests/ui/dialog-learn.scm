; tests/ui/dialog-learn.scm: an image holding a before/after pair under a
; photo; opens the Learn dialog on the photo.  The layer choosers should
; default to the pair (the two topmost same-size layers that are not the
; photo) and the preview show the look learned in the background on the
; photo.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/garden-before.png")))
       (after (gimp-file-load-layer RUN-NONINTERACTIVE img
                (string-append data-dir "/sample/garden-after.png")))
       (photo (gimp-file-load-layer RUN-NONINTERACTIVE img
                (string-append data-dir "/sample/ladybird.png"))))
  (gimp-image-insert-layer img after 0 0)
  (gimp-image-insert-layer img photo 0 0)
  (gimp-image-set-selected-layers img (vector photo))
  (gimp-display-new img)
  (plug-in-looklab-learn #:run-mode RUN-INTERACTIVE #:image img
                         #:drawables (vector photo)))

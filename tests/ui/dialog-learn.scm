; tests/ui/dialog-learn.scm: an image holding a before/after pair and a
; photo; opens the Learn dialog, whose layer choosers should default to the
; two topmost layers of the same size.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/garden-before.png")))
       (after (gimp-file-load-layer RUN-NONINTERACTIVE img
                (string-append data-dir "/sample/garden-after.png"))))
  (gimp-image-insert-layer img after 0 0)
  (gimp-display-new img)
  (plug-in-looklab-learn #:run-mode RUN-INTERACTIVE #:image img
                         #:drawables (vector after)))

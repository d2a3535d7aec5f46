; tests/ui/dialog-apply.scm: learns the bundled garden look (so that the
; live preview has something to show), then opens the Apply dialog.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/ladybird.png")))
       (photo (vector-ref (gimp-image-get-layers img) 0))
       (before (gimp-file-load-layer RUN-NONINTERACTIVE img
                 (string-append data-dir "/sample/garden-before.png")))
       (after (gimp-file-load-layer RUN-NONINTERACTIVE img
                (string-append data-dir "/sample/garden-after.png"))))
  (gimp-image-insert-layer img before 0 1)
  (gimp-image-insert-layer img after 0 1)
  (gimp-item-set-visible before #f)
  (gimp-item-set-visible after #f)
  (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE #:image img
                         #:drawables (vector photo)
                         #:before before #:after after #:apply #f)
  (gimp-image-set-selected-layers img (vector photo))
  (gimp-display-new img)
  (plug-in-looklab-apply #:run-mode RUN-INTERACTIVE #:image img
                         #:drawables (vector photo)))

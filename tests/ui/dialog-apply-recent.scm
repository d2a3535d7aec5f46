; tests/ui/dialog-apply-recent.scm: learns the bundled garden look into a
; .cube, opens the Apply dialog with it (run-dialog.sh presses OK), then
; opens the dialog again, which lists the .cube under Recent.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/ladybird.png")))
       (photo (vector-ref (gimp-image-get-layers img) 0))
       (before (gimp-file-load-layer RUN-NONINTERACTIVE img
                 (string-append data-dir "/sample/garden-before.png")))
       (after (gimp-file-load-layer RUN-NONINTERACTIVE img
                (string-append data-dir "/sample/garden-after.png")))
       (cube (string-append test-dir "/garden-recent.cube")))
  (gimp-image-insert-layer img before 0 1)
  (gimp-image-insert-layer img after 0 1)
  (gimp-item-set-visible before #f)
  (gimp-item-set-visible after #f)
  (plug-in-looklab-learn #:run-mode RUN-NONINTERACTIVE #:image img
                         #:drawables (vector photo) #:before before
                         #:after after #:file cube #:apply #f)
  (gimp-image-set-selected-layers img (vector photo))
  (gimp-display-new img)
  (plug-in-looklab-apply #:run-mode RUN-INTERACTIVE #:image img
                         #:drawables (vector photo) #:file cube)
  (plug-in-looklab-apply #:run-mode RUN-INTERACTIVE #:image img
                         #:drawables (vector photo)))

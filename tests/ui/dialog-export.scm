; tests/ui/dialog-export.scm: opens the Export Look as .cube dialog.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/ladybird.png")))
       (layer (vector-ref (gimp-image-get-layers img) 0)))
  (gimp-display-new img)
  (plug-in-looklab-export-cube #:run-mode RUN-INTERACTIVE #:image img
                               #:drawables (vector layer)))

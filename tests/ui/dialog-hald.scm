; tests/ui/dialog-hald.scm: opens the Identity Hald CLUT dialog.
(let* ((img (gimp-file-load RUN-NONINTERACTIVE
                            (string-append data-dir "/sample/ladybird.png"))))
  (gimp-display-new img)
  (plug-in-looklab-hald-identity #:run-mode RUN-INTERACTIVE))

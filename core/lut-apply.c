/* placeholder: being written by its owner (see git log) */

// Tests for reading a package's licence from Debian copyright files (machine-readable and free-form excerpts).
import test from 'ava';
import { licenseFromCopyright } from '../../../../lib/data/parallel/license.js';

const license = test.macro({
  exec(t, text: string, expected: string) {
    t.is(licenseFromCopyright(text), expected);
  },
  title: (provided) => `licence of ${provided}`,
});

test('DEP-5: the Files: * paragraph wins', license, `Format: copyright-format/1.0 (DEP-5)
Upstream-Name: iso-codes

Files: debian/*
Copyright: 2005 Someone
License: GPL-2+

Files: *
Copyright: Alastair McKinstry
License: LGPL-2.1+

License: LGPL-2.1+
 This library is free software.
`, 'LGPL-2.1+');

test('DEP-5 without Files: *', license, `Format: copyright-format/1.0 (DEP-5)

Files: src/*
Copyright: 2020 X
License: MPL-2.0
`, 'MPL-2.0');

test('a licence with a pointer to common-licenses', license, `This package was debianized by Sebastien Bacher on
Files: *
License: GPL-2+ (/usr/share/common-licenses/GPL-2)
`, 'GPL-2+');

test('free-form GPL grant sentence', license, `This package was debianized by Sebastien Bacher.

License:

   This package is free software; you can redistribute it and/or modify
   it under the terms of the GNU General Public License as published by
   the Free Software Foundation; either version 2 of the License, or
   (at your option) any later version.
`, 'GPL-2+');

test('free-form with several licences (thunar)', license, `Licenses:
=========

GNU/LGPL for files under thunarx and tdb folders
GNU/GPL for the others

On Debian systems, the complete text of the GNU General Public
License can be found in the file \`/usr/share/common-licenses/GPL'
The complete text of the GFDL (version 1.2) can be found in the file
`, 'LGPL and GPL');

test('free-form LGPLv2 shorthand', license, 'Evolution is licensed under the LGPLv2 or LGPLv3 license using following text:', 'LGPL-2 and LGPL-3');

test('nothing recognisable', license, 'All rights reserved.', 'unknown');

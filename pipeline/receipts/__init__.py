"""Issue 16: evidence from the receipts themselves -- what came back for each test message.

Reading (content decides the format, never the file name; XML only through the safe parser):

- ``pipeline.receipts.model``     the values: receipts, where each came from, problems, expected
  test messages and the evidence per (kommune, HF, party)
- ``pipeline.receipts.codes``     kodeverk 8221 (AppRec errors, with cause and fix in the routine's
  terms), 8258 (AppRec status), ebMS 2.0 error codes, EDI 2.0's enumerations
- ``pipeline.receipts.xmldoc``    one XML document from bytes, refused when unsafe or malformed
- ``pipeline.receipts.apprec``    AppRec 1.0 and 1.1
- ``pipeline.receipts.ebxml``     ebXML SOAP envelopes: Acknowledgment and ErrorList (transport receipts)
- ``pipeline.receipts.msghead``   the answer to a test dialog (Dialogmelding in MsgHead)
- ``pipeline.receipts.edi2``      NHN's EDI 2.0 message server: status and apprec responses (JSON)
- ``pipeline.receipts.mime``      RFC 5322 / MIME messages (multipart/related ebXML messages)
- ``pipeline.receipts.recognise`` bytes -> which of the above -> receipts and problems (pure)

The file-system edge (files, directories, Maildir, mbox, the generated schedules) is
``pipeline.io.receipts``.

Matching (pure):

- ``pipeline.receipts.expected``  the generated schedules -> the test messages to expect receipts for
- ``pipeline.receipts.matching``  receipts -> test messages by MsgId, the sender/receiver check, the
  96-hour rule, and the evidence per (kommune, HF, party)
"""

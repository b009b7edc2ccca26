export const id = 841;
export const ids = [841];
export const modules = {

/***/ 7841:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   ClientAssertionCredential: () => (/* reexport safe */ _azure_identity__WEBPACK_IMPORTED_MODULE_0__.XI),
/* harmony export */   SourceControlConfigurationClient: () => (/* reexport safe */ _azure_arm_kubernetesconfiguration__WEBPACK_IMPORTED_MODULE_1__.oy),
/* harmony export */   createPipelineRequest: () => (/* reexport safe */ _azure_core_rest_pipeline__WEBPACK_IMPORTED_MODULE_2__.G6)
/* harmony export */ });
/* harmony import */ var _azure_identity__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(5563);
/* harmony import */ var _azure_arm_kubernetesconfiguration__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8038);
/* harmony import */ var _azure_core_rest_pipeline__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4792);
// The Azure SDK values the action uses, in one module that is only ever imported dynamically (sdk-chunk.ts), so
// that ncc puts it and everything it pulls in (MSAL, the core-* packages) in a chunk of its own. Types come from
// the packages themselves with `import type`, which costs nothing at run time.





/***/ })

};
